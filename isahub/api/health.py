from django.db import DatabaseError, connection, transaction
from ninja import Router, Schema, Status

from isahub.audit.sealing import chain_head
from isahub.core.database import describe_unavailable

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
    """Runs outside the request transaction (see urls.py), so that it can say why the
    database is unavailable instead of failing to begin one."""
    try:
        # In a transaction of its own, as every request is: on SQLite this also finds a
        # writer holding the lock (WAL lets plain reads through).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        head = chain_head()
    except DatabaseError as error:
        return Status(503, {"status": "unavailable", "database": f"unavailable: {describe_unavailable(error)}"})
    return Status(200, {"status": "ok", "database": "ok", "audit": head})
