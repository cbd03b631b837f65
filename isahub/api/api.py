from ninja import NinjaAPI

from .auth import PersonalTokenAuth
from .errors import register_error_handlers
from .openapi import add_common_responses


class IsahubAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return add_common_responses(super().get_openapi_schema(*args, **kwargs))


api = IsahubAPI(
    title="isahub API",
    version="1",
    description="The same rules as the pages: every call is authorised by the policy layer and audited.",
    auth=PersonalTokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)
register_error_handlers(api)

from isahub.accounts.api import router as accounts_router  # noqa: E402
from isahub.audit.api import router as audit_router  # noqa: E402
from isahub.children.api import router as children_router  # noqa: E402
from isahub.consent.api import router as consent_router  # noqa: E402

from .health import router as health_router  # noqa: E402

api.add_router("", health_router)
api.add_router("", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/children", children_router)
api.add_router("/consent", consent_router)
