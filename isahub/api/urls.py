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


def api_urls():
    from .api import api

    patterns, app_name, namespace = api.urls
    return mark_public(patterns), app_name, namespace
