import datetime as dt

from ninja import Query, Router, Schema

from .selectors import AuditFilters, audit_entry_list
from .services import audit_record

router = Router(tags=["audit"])
MAX_PAGE = 500


class AuditEntryOut(Schema):
    id: int
    created_at: dt.datetime
    request_id: str
    actor_id: int | None
    actor_username: str
    agency_id: int | None
    action: str
    outcome: str
    target_type: str
    target_id: str
    child_id: str
    reason: str
    details: str


class AuditQuery(Schema):
    user_id: int | None = None
    agency_id: int | None = None
    child_id: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    before_id: int | None = None
    limit: int = 100


@router.get("/entries", response=list[AuditEntryOut], summary="Audit entries (auditors only), newest first")
def entries(request, query: Query[AuditQuery]):
    filters = AuditFilters(
        actor_id=query.user_id,
        agency_id=query.agency_id,
        child_id=query.child_id,
        action=query.action,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    rows = audit_entry_list(actor=request.auth, filters=filters)
    if query.before_id:
        rows = rows.filter(id__lt=query.before_id)
    limit = max(1, min(query.limit, MAX_PAGE))
    audit_record(action="audit.viewed", actor=request.auth, details={"api": True, "limit": limit})
    return list(rows[:limit])
