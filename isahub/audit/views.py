import csv

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render

from isahub.accounts.decorators import require_recent_authentication

from .actions import describe
from .canonical import CONTENT_COLUMNS
from .forms import AuditFilterForm
from .selectors import audit_entry_list
from .services import audit_record

PAGE_SIZE = 50
# Every column of the row as sealed, except the address it came from.
CSV_COLUMNS = ["id", *(column for column in CONTENT_COLUMNS if column != "ip_address")]


def entry_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    entries = audit_entry_list(actor=request.user, filters=filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(action="audit.viewed", actor=request.user, details={"filters": _filters_for_audit(filters), "page": page.number})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(entry, describe(entry.action)) for entry in page],
            "query": query.urlencode(),
        },
    )


@require_recent_authentication
def entry_export(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    entries = audit_entry_list(actor=request.user, filters=filters, purpose="audit.export")
    audit_record(
        action="audit.exported", actor=request.user, details={"filters": _filters_for_audit(filters), "rows": entries.count()}
    )
    response = StreamingHttpResponse(_csv_rows(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


class _Echo:
    def write(self, value):
        return value


def _csv_rows(entries):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in entries.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
        yield writer.writerow([_csv_safe(value) for value in row])


def _csv_safe(value):
    # A cell that starts with = + - @ would run as a formula in a spreadsheet.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _filters_for_audit(filters) -> dict:
    return {key: str(value) for key, value in vars(filters).items() if value}
