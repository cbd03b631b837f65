from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


@login_not_required
def accessibility_statement(request):
    return render(request, "core/accessibility.html")


@login_not_required
def privacy_notice(request):
    return render(request, "core/privacy.html")


@login_not_required
@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


@login_not_required
@requires_csrf_token
def permission_denied(request, exception=None):
    reason = getattr(exception, "reason", None) or (str(exception) if exception else "")
    return render(request, "errors/403.html", {"reason": reason}, status=403)


@login_not_required
@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


API_PREFIX = "/api/"
SERVER_ERROR = "Sorry, there is a problem with the service. Try again later; nothing was saved."
UNAVAILABLE = "Sorry, the service cannot reach its records just now. Try again in a few minutes; nothing was saved."
STORAGE_FULL = "Sorry, the service has run out of storage space. Nothing was saved; try again later."


@login_not_required
@requires_csrf_token
def server_error(request):
    """Every unhandled failure ends here, after the request's transaction has rolled back:
    a plain page (or JSON error for the API) with a reference, never the work in hand.
    The database being unreachable, stalled, past a deadline or locked answers 503."""
    import sys

    import structlog
    from django.http import JsonResponse
    from django.template import loader

    from .database import database_unavailable
    from .storage import storage_full

    error = sys.exc_info()[1]
    full = storage_full(error)  # the disk (uploads or the database's) is full: 507
    unavailable = database_unavailable(error)
    status = 507 if full else 503 if unavailable else 500
    request_id = getattr(request, "request_id", "")
    # The error's type only: its text may quote a record (a constraint's key, say).
    structlog.get_logger("isahub.errors").error(
        "request.failed", request_id=request_id, status=status, error=type(error).__name__ if error else ""
    )
    if request.path.startswith(API_PREFIX):
        detail = STORAGE_FULL if full else UNAVAILABLE if unavailable else SERVER_ERROR
        return JsonResponse({"detail": detail, "request_id": request_id}, status=status)
    # No context processors may touch the database here: it may be what failed.
    template = loader.get_template("errors/507.html" if full else "errors/503.html" if unavailable else "errors/500.html")
    return _html(template.render({"request_id": request_id}), status=status)


def _html(body: str, status: int):
    from django.http import HttpResponse

    return HttpResponse(body, status=status)
