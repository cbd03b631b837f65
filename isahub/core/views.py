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


@login_not_required
@requires_csrf_token
def server_error(request):
    # No context processors may touch the database here: it may be what failed.
    from django.template import loader

    template = loader.get_template("errors/500.html")
    return _html(template.render({"request_id": getattr(request, "request_id", "")}), status=500)


def _html(body: str, status: int):
    from django.http import HttpResponse

    return HttpResponse(body, status=status)
