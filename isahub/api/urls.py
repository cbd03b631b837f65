"""Mount the API. Its views are marked as not needing a session sign-in: the API does
its own authentication (a bearer token on every operation except the allow-listed few)."""

from django.urls import URLPattern, URLResolver


def mark_public(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            mark_public(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback.login_required = False
    return patterns


OUTSIDE_THE_REQUEST_TRANSACTION = {"health"}


def mark_non_atomic(patterns):
    """The health check must answer even when a transaction cannot be begun."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name in OUTSIDE_THE_REQUEST_TRANSACTION:
            pattern.callback._non_atomic_requests = {"default"}
    return patterns


def api_urls():
    from .api import api

    patterns, app_name, namespace = api.urls
    return mark_non_atomic(mark_public(patterns)), app_name, namespace
