"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's live server.

One browser for the whole session, one fresh context (cookies, storage) per test. Chromium
and axe-core are installed by bin/test and bin/setup; when either is missing the tests fail
loudly instead of skipping, so a green run always means the browser really ran.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from isahub.accounts.tests.factories import PASSWORD

# Playwright's sync API runs an asyncio event loop in this thread; without this, every ORM
# call made by a test (creating users, reading devices) raises SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe-core 4.11 has no wcag22a tag: its 2.2 rules are AA).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TIMEOUT_MS = 10_000


# --- The browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's chromium package. "
            "Run bin/test, which installs it (apt-get install chromium chromium-driver). "
            "Playwright's own browser download is not used.",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            pytest.fail(f"Chromium at {CHROMIUM} would not start ({error}). Run bin/test, which installs it.", pytrace=False)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    # bypass_csp: the product's Content-Security-Policy forbids inline script, and axe-core
    # is injected as one. Nothing else in these tests depends on it.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


# --- Signing in ------------------------------------------------------------------------------


@pytest.fixture
def sign_in_as(context: BrowserContext, client_for, live_server) -> Callable[..., None]:
    """Give the browser a session past sign-in and the demo-mode second factor (as `client_for` does).

    `session` adds keys to the session, for pages that need state a previous step left there.
    """

    def sign_in(user, *, stepped_up: bool = False, session: dict | None = None) -> None:
        # Signing in writes an audit row, which must happen inside a transaction.
        with transaction.atomic():
            client = client_for(user, stepped_up=stepped_up)
        if session:
            store = client.session
            store.update(session)
            store.save()
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.clear_cookies()
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])

    return sign_in


@pytest.fixture
def sign_in_with_form() -> Callable[..., None]:
    """Fill in and send the real sign-in form."""

    def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
        if not page.locator("#id_username").count():
            page.goto("/sign-in/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("#submit-id-submit")

    return sign_in


# --- Accessibility ---------------------------------------------------------------------------


def format_violations(page: Page, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} WCAG A/AA violation(s) on {page.url} ({page.title()!r}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation.get('impact') or 'unknown impact'}]: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}. Run bin/test (it runs bin/setup, which installs it).", pytrace=False)
    return AXE


@pytest.fixture
def assert_accessible(axe_source: Path) -> Callable[..., None]:
    """Run axe-core on the page as it is now and fail, naming every violation, if it finds any.

    `heading` is the page's h1, checked first so that a redirect cannot make the wrong page pass.
    """

    def check(page: Page, *, heading: str) -> None:
        expect(page.locator("h1")).to_have_text(heading)
        page.add_script_tag(path=str(axe_source))
        results = page.evaluate(
            """async (tags) => await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            })""",
            AXE_TAGS,
        )
        violations = results["violations"]
        if violations:
            raise AssertionError(format_violations(page, violations))

    return check
