"""Pages for the child index. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from isahub.accounts.decorators import require_recent_authentication
from isahub.policy.engine import decide, require
from isahub.profiles.loader import current_profile

from . import search as index_search
from . import services
from .access import current_reason, remember_reason
from .forms import BreakGlassForm, MergeForm, NewChildForm, ReasonForm, SearchForm
from .selectors import ReasonRequired, RecordMoved, access_child, access_merge, find_child, open_merges


@require_http_methods(["GET", "POST"])
def search(request):
    require(request.user, "child.search")
    # POST, so names and dates of birth never appear in URLs or server logs.
    form = SearchForm(request.POST or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        criteria = index_search.SearchCriteria(
            surname=form.cleaned_data["surname"].strip(),
            forename=form.cleaned_data["forename"].strip(),
            date_of_birth=form.cleaned_data["date_of_birth"],
            sex=form.cleaned_data["sex"],
            postcode=form.cleaned_data["postcode"].strip(),
        )
        try:
            outcome = index_search.child_search(actor=request.user, criteria=criteria)
        except index_search.BelowMinimum as error:
            form.add_error(None, error.message)
    profile = current_profile()
    return render(
        request,
        "children/search.html",
        {
            "form": form,
            "outcome": outcome,
            "minimums": index_search.describe_minimums(profile.search_minimums(profile.access_level_for(request.user.role))),
            "date": _date_parts(form),
        },
    )


def _date_parts(form) -> dict:
    return {part: form.data.get(f"date_of_birth_{part}", "") for part in ("day", "month", "year")}


@require_http_methods(["GET", "POST"])
def give_reason(request, child_id):
    child = find_child(child_id)
    if child.merged_into_id:  # links to a merged record lead to the survivor
        child = find_child(child.merged_into_id)
    require(request.user, "child.view", child)
    form = ReasonForm(request.POST or None, reasons=current_profile().access_reasons)
    if request.method == "POST" and form.is_valid():
        remember_reason(request, child.pk, form.reason_text())
        return redirect("children:record", child_id=child.pk)
    return render(request, "children/reason.html", {"form": form, "child_id": child.pk})


def record(request, child_id):
    reason = current_reason(request, child_id)
    try:
        view = access_child(actor=request.user, child_id=child_id, reason=reason)
    except ReasonRequired:
        return redirect("children:reason", child_id=child_id)
    except RecordMoved as moved:
        messages.info(request, "That record was merged with this one, which is the record to use.")
        return redirect("children:record", child_id=moved.survivor_id)
    user = request.user
    return render(
        request,
        "children/record.html",
        {
            "record": view,
            "reason": reason,
            "my_involvement": next((i for i in view.involvements if i.practitioner_id == user.pk), None),
            "can_register": decide(user, "involvement.register", None).allowed,
            "can_register_for_others": decide(user, "involvement.register_on_behalf", None).allowed,
            "can_merge": decide(user, "child.merge").allowed,
            "can_close": view.involvements and decide(user, "child.close_case", find_child(child_id)).allowed,
            "can_assign_lead": decide(user, "lead.assign", find_child(child_id)).allowed,
            "can_see_consent": decide(user, "consent.history", find_child(child_id)).allowed,
            "can_record_consent": decide(user, "consent.record", find_child(child_id)).allowed,
        },
    )


@require_recent_authentication
@require_http_methods(["GET", "POST"])
def break_glass(request, child_id):
    child = find_child(child_id)
    require(request.user, "child.break_glass", child)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.child_break_glass(actor=request.user, child=child, justification=form.cleaned_data["justification"])
        remember_reason(request, child.pk, "Emergency access: " + form.cleaned_data["justification"])
        messages.info(request, "Emergency access granted for a limited time. The central team has been told.")
        return redirect("children:record", child_id=child.pk)
    return render(request, "children/break_glass.html", {"form": form, "minutes": current_profile().break_glass_minutes})


@require_http_methods(["GET", "POST"])
def new_child(request):
    require(request.user, "child.create")
    form = NewChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = services.NewChild(
            given_names=data["given_names"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            address_line_1=data["address_line_1"],
            address_line_2=data["address_line_2"],
            town=data["town"],
            postcode=data["postcode"],
            preferred_name=data["preferred_name"],
            school_status=data["school_status"],
            school_id=data["school"].pk if data["school"] else None,
            gp_practice_id=data["gp_practice"].pk if data["gp_practice"] else None,
            nhs_number=data["nhs_number"],
            upn=data["upn"],
        )
        try:
            child = services.child_create(actor=request.user, details=details)
        except ValidationError as error:
            for field_name, problems in error.message_dict.items():
                form.add_error(field_name if field_name in form.fields else None, problems)
        else:
            remember_reason(request, child.pk, "Added this child to the index")
            messages.success(request, "The child has been added to the index.")
            return redirect("children:record", child_id=child.pk)
    return render(request, "children/new_child.html", {"form": form, "date": _date_parts(form)})


@require_recent_authentication
@require_http_methods(["GET", "POST"])
def merge(request, child_id):
    survivor = find_child(child_id)
    require(request.user, "child.merge")
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            duplicate = find_child(form.cleaned_data["duplicate"])
            done = services.child_merge(
                actor=request.user, survivor=survivor, duplicate=duplicate, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Records merged. If this was a mistake, undo merge {done.pk} from this page.")
            return redirect("children:record", child_id=survivor.pk)
    merges = open_merges(actor=request.user, survivor=survivor)
    return render(request, "children/merge.html", {"form": form, "child_id": survivor.pk, "merges": merges})


@require_recent_authentication
@require_POST
def unmerge(request, merge_id: int):
    require(request.user, "child.merge")
    merge_record = access_merge(actor=request.user, merge_id=merge_id)
    try:
        services.child_unmerge(actor=request.user, merge=merge_record)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, "The merge has been undone: both records are separate again.")
    return redirect(reverse("children:merge", args=[merge_record.survivor_id]))
