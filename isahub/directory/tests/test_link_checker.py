"""The link checker against a real local HTTP server: a good page, a 404, a page that never
answers in time, a redirect loop, too many redirects, and a redirect to another site."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from isahub.audit.models import AuditEntry
from isahub.directory.linkcheck import check_email_domain, check_url
from isahub.directory.models import LinkCheck, LinkCheckResult

from .factories import make_org, make_service


class Handler(BaseHTTPRequestHandler):
    def do_HEAD(self):  # noqa: N802
        port = self.server.server_address[1]
        if self.path == "/good":
            self._answer(200)
        elif self.path == "/head-not-allowed":
            self._answer(405)
        elif self.path == "/slow":
            time.sleep(2)
            self._answer(200)
        elif self.path == "/loop-a":
            self._answer(302, "/loop-b")
        elif self.path == "/loop-b":
            self._answer(302, "/loop-a")
        elif self.path.startswith("/chain/"):
            n = int(self.path.rsplit("/", 1)[1])
            self._answer(301, f"/chain/{n + 1}")
        elif self.path == "/moved-same-site":
            self._answer(301, f"http://127.0.0.1:{port}/good")
        elif self.path == "/elsewhere":
            self._answer(302, f"http://localhost:{port}/good")
        else:
            self._answer(404)

    def do_GET(self):  # noqa: N802
        if self.path == "/head-not-allowed":
            self._answer(200)
        else:
            self.do_HEAD()

    def _answer(self, status, location=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def check(url):
    return check_url(url, timeout=0.5, max_redirects=3, allow_private=True)


def test_good_page(site):
    assert check(f"{site}/good").result == LinkCheckResult.OK
    assert check(f"{site}/head-not-allowed").result == LinkCheckResult.OK  # falls back to GET
    assert check(f"{site}/moved-same-site").result == LinkCheckResult.OK


def test_not_found(site):
    outcome = check(f"{site}/gone")
    assert outcome.result == LinkCheckResult.BROKEN and outcome.detail == "HTTP 404"


def test_timeout(site):
    started = time.monotonic()
    outcome = check(f"{site}/slow")
    assert outcome.result == LinkCheckResult.UNREACHABLE and "0.5 seconds" in outcome.detail
    assert time.monotonic() - started < 1.5


def test_redirect_loop_and_too_many_redirects(site):
    loop = check(f"{site}/loop-a")
    assert loop.result == LinkCheckResult.TOO_MANY_REDIRECTS and "loop" in loop.detail
    chain = check(f"{site}/chain/1")
    assert chain.result == LinkCheckResult.TOO_MANY_REDIRECTS and "More than 3 redirects" in chain.detail


def test_never_follows_a_redirect_to_another_site(site):
    outcome = check(f"{site}/elsewhere")
    assert outcome.result == LinkCheckResult.OFF_HOST and "localhost" in outcome.detail


def test_refuses_private_addresses_unless_allowed(site):
    outcome = check_url(f"{site}/good", timeout=0.5)
    assert outcome.result == LinkCheckResult.UNREACHABLE and "private or local network" in outcome.detail


def test_nothing_listening_and_not_a_web_address():
    assert check("http://127.0.0.1:9/").result == LinkCheckResult.UNREACHABLE
    assert check("ftp://example.invalid/file").result == LinkCheckResult.BROKEN


def test_email_domains():
    assert check_email_domain("someone@localhost").result == LinkCheckResult.OK
    assert check_email_domain("someone@no-such-place.invalid", timeout=3).result in (
        LinkCheckResult.BROKEN,
        LinkCheckResult.UNREACHABLE,
    )
    assert check_email_domain("not-an-address").result == LinkCheckResult.BROKEN


@pytest.mark.django_db
def test_the_command_checks_every_link_and_reports_broken_ones(site, capsys):
    org = make_org("Link Trust", website=f"{site}/good")
    make_service(org, "Good link", url=f"{site}/good")
    make_service(org, "Dead link", url=f"{site}/gone")
    make_service(org, "Looping link", url=f"{site}/loop-a")
    call_command("directory_check_links", "--timeout", "0.5", "--allow-private", "--no-emails")
    results = {c.service.name if c.service else c.organization.name: c.result for c in LinkCheck.objects.all()}
    assert results == {
        "Link Trust": LinkCheckResult.OK,
        "Good link": LinkCheckResult.OK,
        "Dead link": LinkCheckResult.BROKEN,
        "Looping link": LinkCheckResult.TOO_MANY_REDIRECTS,
    }
    out = capsys.readouterr().out
    assert "2 need attention" in out and f"{site}/gone" in out and "Good link" not in out
    assert AuditEntry.objects.filter(action="directory.links_checked").exists()
    # Running it again keeps one (the latest) result per link.
    call_command("directory_check_links", "--timeout", "0.5", "--allow-private", "--no-emails")
    assert LinkCheck.objects.count() == 4
