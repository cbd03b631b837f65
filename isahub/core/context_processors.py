from django.conf import settings


def service(request):
    return {
        "service_name": settings.ISAHUB_SERVICE_NAME,
        "demo_mode": settings.ISAHUB_DEMO_MODE,
    }
