from django.db import DatabaseError, connection
from ninja import Router, Schema, Status

from isahub.audit.sealing import chain_head

router = Router(tags=["health"])


class AuditHead(Schema):
    seal: int | None
    last_sealed_id: int
    digest: str


class Health(Schema):
    status: str
    database: str
    audit: AuditHead | None = None


@router.get("/health", auth=None, response={200: Health, 503: Health}, summary="Is the service able to answer?")
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        head = chain_head()
    except DatabaseError as error:
        return Status(503, {"status": "unavailable", "database": f"unreachable ({error.__class__.__name__})"})
    return Status(200, {"status": "ok", "database": "ok", "audit": head})
