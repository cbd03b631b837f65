"""django-structlog's request middleware, logging routes instead of raw paths."""

from django_structlog.middlewares import RequestMiddleware as StructlogRequestMiddleware

from .logging import loggable_path


class RequestMiddleware(StructlogRequestMiddleware):
    @staticmethod
    def format_request(request) -> str:
        return f"{request.method} {loggable_path(request.path_info)}"
