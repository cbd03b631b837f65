from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services


def notification_list(request):
    return render(
        request, "messaging/notifications.html", {"notifications": selectors.notification_list(actor=request.user)[:100]}
    )


@require_POST
def notification_read(request, notification_id: int):
    services.notification_mark_read(recipient=request.user, notification_id=notification_id)
    return redirect("messaging:notifications")
