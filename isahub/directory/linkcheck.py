"""Checking the directory's website links and e-mail domains (research SD-06).

One request per link, with a timeout; redirects followed only on the same host (or its
www. twin), at most `max_redirects` of them, and a loop is caught on the first repeat; a
redirect to another site is reported, never followed. By default addresses in private,
loopback and link-local ranges are refused, so a directory entry cannot make the server
probe its own network. A working link does not prove the service still exists: the
verification date is what says that.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .models import LinkCheckResult

USER_AGENT = "isahub-directory-link-checker/1.0"


@dataclass
class Outcome:
    result: str
    detail: str


def _same_site(a: str, b: str) -> bool:
    strip = lambda host: host.lower().removeprefix("www.")  # noqa: E731
    return strip(a) == strip(b)


def _private(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the request itself will fail and say so
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            return True
    return False


def _request(url: str, method: str, timeout: float) -> tuple[int, str]:
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection.request(method, path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        if method == "GET":
            response.read(65536)
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def check_url(url: str, *, timeout: float = 5.0, max_redirects: int = 5, allow_private: bool = False) -> Outcome:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Outcome(LinkCheckResult.BROKEN, "Not a web address (http or https).")
    if not allow_private and _private(parts.hostname):
        return Outcome(LinkCheckResult.UNREACHABLE, "Refused: the address is on a private or local network.")
    seen = {url}
    current = url
    for _hop in range(max_redirects + 1):
        try:
            status, location = _request(current, "HEAD", timeout)
            if status in (405, 501):
                status, location = _request(current, "GET", timeout)
        except TimeoutError:
            return Outcome(LinkCheckResult.UNREACHABLE, f"No answer within {timeout:g} seconds.")
        except (OSError, http.client.HTTPException) as problem:
            return Outcome(LinkCheckResult.UNREACHABLE, f"Could not connect ({problem.__class__.__name__}).")
        if 300 <= status < 400 and location:
            following = urljoin(current, location)
            next_host = urlsplit(following).hostname or ""
            if not _same_site(next_host, parts.hostname):
                return Outcome(LinkCheckResult.OFF_HOST, f"Redirects to another site: {next_host}")
            if following in seen:
                return Outcome(LinkCheckResult.TOO_MANY_REDIRECTS, "Redirects in a loop.")
            seen.add(following)
            current = following
            continue
        if 200 <= status < 300:
            return Outcome(LinkCheckResult.OK, f"HTTP {status}")
        return Outcome(LinkCheckResult.BROKEN, f"HTTP {status}")
    return Outcome(LinkCheckResult.TOO_MANY_REDIRECTS, f"More than {max_redirects} redirects.")


def check_email_domain(email: str, *, timeout: float = 5.0) -> Outcome:
    """The domain of an e-mail address must at least resolve (no MX lookup without a DNS library)."""
    domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
    if not domain:
        return Outcome(LinkCheckResult.BROKEN, "Not an e-mail address.")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(socket.getaddrinfo, domain, None)
        future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        return Outcome(LinkCheckResult.UNREACHABLE, f"The domain {domain} did not resolve within {timeout:g} seconds.")
    except OSError:
        return Outcome(LinkCheckResult.BROKEN, f"The domain {domain} does not exist.")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return Outcome(LinkCheckResult.OK, f"{domain} resolves")
