"""Directory pages. The public ones need no sign-in (they hold no personal data); the pages
for keeping entries current need a signed-in, vetted user and ask policy."""

from __future__ import annotations

import string
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import exchange, selectors, services
from .forms import DecisionForm, ImportForm, SearchForm, ServiceEditForm
from .geo import km_to_miles
from .models import Vocabulary
from .search import ServiceQuery

PER_PAGE = 20
MILES = {"1": 1.0, "3": 3.0, "5": 5.0}


def _search_form(data) -> SearchForm:
    return SearchForm(
        data,
        types=selectors.vocabulary_terms(Vocabulary.SERVICE_TYPE),
        needs=selectors.vocabulary_terms(Vocabulary.NEED),
        framework=selectors.assessment_framework(),
    )


def _page_links(request, page) -> dict:
    params = request.GET.copy()
    links = {}
    if page.has_previous():
        params["page"] = page.previous_page_number()
        links["previous"] = "?" + params.urlencode()
    if page.has_next():
        params["page"] = page.next_page_number()
        links["next"] = "?" + params.urlencode()
    return links


@login_not_required
@require_safe
def search(request):
    form = _search_form(request.GET or None)
    context: dict = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        within = MILES.get(data.get("within") or "")
        query = ServiceQuery(
            keywords=data["q"],
            terms=[*data["type"], *data["need"], *data["domain"]],
            age=data["age"],
            postcode=data["postcode"],
            within_km=within * 1.609344 if within and data["postcode"] else None,
        )
        outcome = selectors.directory_search(query=query)
        page = Paginator(outcome.ids, PER_PAGE).get_page(request.GET.get("page"))
        results = selectors.services_for_results(list(page.object_list))
        context.update(
            searched=True,
            page=page,
            links=_page_links(request, page),
            results=[
                {"service": s, "miles": km_to_miles(outcome.distances_km[s.pk]) if s.pk in outcome.distances_km else None}
                for s in results
            ],
            total=len(outcome.ids),
            postcode_unknown=outcome.postcode_found is False,
            corrected=sorted({w for words in outcome.corrected.values() for w in words}),
            by_distance=bool(data["postcode"]) and outcome.postcode_found,
        )
    elif form.is_bound:
        context["searched"] = False
    return render(request, "directory/search.html", context)


@login_not_required
@require_safe
def a_to_z(request):
    letter = (request.GET.get("letter") or "A").upper()[:1]
    if letter not in string.ascii_uppercase:
        letter = "A"
    outcome = selectors.directory_search(query=ServiceQuery(letter=letter))
    page = Paginator(outcome.ids, 50).get_page(request.GET.get("page"))
    in_use = selectors.letters_in_use()
    return render(
        request,
        "directory/a_to_z.html",
        {
            "letter": letter,
            "letters": [(c, c in in_use) for c in string.ascii_uppercase],
            "page": page,
            "links": _page_links(request, page),
            "services": selectors.services_in_order(list(page.object_list)),
        },
    )


@login_not_required
@require_safe
def service(request, service_id: uuid.UUID):
    page = selectors.service_page(service_id)
    if page is None:
        raise Http404
    return render(
        request,
        "directory/service.html",
        {
            "p": page,
            "s": page.service,
            "verify_after_days": selectors.verify_after_days(),
            "glossary": selectors.glossary_words(),
        },
    )


@login_not_required
@require_safe
def organisation(request, organisation_id: uuid.UUID):
    found = selectors.organization_page(organisation_id)
    if found is None:
        raise Http404
    return render(request, "directory/organisation.html", {"o": found, "glossary": selectors.glossary_words()})


@login_not_required
@require_safe
def who_does_what(request):
    return render(request, "directory/who_does_what.html", {"organisations": selectors.listed_organizations()})


@login_not_required
@require_safe
def glossary(request):
    return render(request, "directory/glossary.html", {"terms": selectors.glossary()})


@login_not_required
@require_safe
def suggest(request):
    """Needs to services: suggestions for a practitioner or a family to consider."""
    need = request.GET.get("need", "")
    dimension = request.GET.get("dimension", "")
    postcode = request.GET.get("postcode", "").strip()
    suggestions = (
        selectors.suggest_services(need_id=need, dimension_id=dimension, postcode=postcode) if (need or dimension) else None
    )
    return render(
        request,
        "directory/suggest.html",
        {
            "needs": selectors.vocabulary_terms(Vocabulary.NEED),
            "framework": selectors.assessment_framework(),
            "need": need,
            "dimension": dimension,
            "postcode": postcode,
            "suggestions": [
                {"s": s, "miles": km_to_miles(s.distance_km) if s.distance_km is not None else None} for s in suggestions
            ]
            if suggestions is not None
            else None,
        },
    )


# --- Keeping it current (signed in) -------------------------------------------------------------


def manage(request):
    entries = selectors.services_managed_by(actor=request.user)
    return render(
        request,
        "directory/manage.html",
        {
            "entries": entries,
            "stale_ids": {s.pk for s in entries if selectors.service_is_stale(s)},
            "is_officer": selectors.is_directory_officer(request.user),
            "pending": selectors.pending_changes(actor=request.user).count()
            if selectors.is_directory_officer(request.user)
            else 0,
        },
    )


@require_http_methods(["GET", "POST"])
def service_edit(request, service_id: uuid.UUID):
    entry = selectors.service_for_editing(actor=request.user, service_id=service_id)
    initial = {field: getattr(entry, field) for field in services.EDITABLE_FIELDS}
    form = ServiceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        proposal = services.service_change(actor=request.user, service=entry, changes=form.cleaned_data)
        if proposal is None:
            messages.success(request, _("The entry has been changed."))
        else:
            messages.success(request, _("Your change has been sent to the directory officer for approval."))
        return redirect("directory:directory-service", service_id=entry.pk)
    return render(request, "directory/service_edit.html", {"form": form, "entry": entry})


@require_POST
def service_verify(request, service_id: uuid.UUID):
    entry = selectors.service_for_editing(actor=request.user, service_id=service_id)
    services.service_verify(actor=request.user, service=entry)
    messages.success(request, _("Thank you: the entry is marked as checked today."))
    return redirect("directory:directory-manage")


def changes(request):
    return render(request, "directory/changes.html", {"changes": selectors.pending_changes(actor=request.user)})


@require_http_methods(["GET", "POST"])
def change_decide(request, change_id: uuid.UUID):
    change = selectors.change_for_decision(actor=request.user, change_id=change_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["decision"] == "approve":
            services.change_approve(actor=request.user, change=change, note=form.cleaned_data["note"])
            messages.success(request, _("The change has been made."))
        else:
            services.change_reject(actor=request.user, change=change, note=form.cleaned_data["note"])
            messages.success(request, _("The change has been rejected."))
        return redirect("directory:directory-changes")
    current = {field: getattr(change.service, field) for field in change.proposed}
    rows = [(field.replace("_", " ").capitalize(), current[field], value) for field, value in change.proposed.items()]
    return render(request, "directory/change_decide.html", {"change": change, "rows": rows, "form": form})


@require_http_methods(["GET", "POST"])
def directory_import(request):
    exchange.require_import(actor=request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = exchange.import_upload(actor=request.user, upload=form.cleaned_data["file"])
    return render(request, "directory/import.html", {"form": form, "report": report})


def directory_export(request):
    kind = request.GET.get("format", "json")
    if kind not in ("json", "csv"):
        raise Http404
    body, content_type, filename = exchange.export_for(actor=request.user, kind=kind)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
