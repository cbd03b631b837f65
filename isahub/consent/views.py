"""Pages for consent, lawful basis, agreements, notices and the toolkit. Thin: parse, call one
service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from isahub.children.access import child_behind_reason
from isahub.children.selectors import find_child
from isahub.core.forms import apply_service_errors
from isahub.policy.engine import decide, require

from . import selectors, services
from .forms import (
    AgreementForm,
    ConfidentialityForm,
    ConsentForm,
    InclusionForm,
    LawfulBasisForm,
    NoticeForm,
    NoticeIssueForm,
    ReviewForm,
    ToolkitForm,
)


def _form_page(request, form, title: str, back: str, intro: str = "", **extra):
    return render(request, "consent/form.html", {"form": form, "title": title, "back": back, "intro": intro, **extra})


# --- One child's consent -----------------------------------------------------------------------


def child_consent(request, child_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    history = selectors.consent_history(actor=request.user, child=child)
    return render(
        request,
        "consent/child.html",
        {
            "child_id": child.pk,
            "history": history,
            "can_record": decide(request.user, "consent.record", child).allowed,
            "can_record_inclusion": decide(request.user, "consent.inclusion", child).allowed,
        },
    )


@require_http_methods(["GET", "POST"])
def consent_new(request, child_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    require(request.user, "consent.record", child)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = services.ConsentDetails(
            decision=data["decision"],
            given_by=data["given_by"],
            giver_name=data["giver_name"],
            sufficient_understanding=data["sufficient_understanding"],
            all_agencies=data["all_agencies"],
            agencies=list(data["agencies"]),
            kinds=list(data["kinds"]),
            method=data["method"],
            evidence_location=data["evidence_location"],
            given_on=data["given_on"],
            review_on=data["review_on"],
            expires_on=data["expires_on"],
            note=data["note"],
        )
        try:
            services.consent_record(actor=request.user, child=child, details=details)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The decision has been recorded. Earlier records are kept in the history.")
            return redirect("consent:child", child_id=child.pk)
    summary = selectors.consent_summary(actor=request.user, child=child)
    return _form_page(
        request,
        form,
        "Record consent, refusal or withdrawal",
        f"/children/{child.pk}/",
        "A withdrawal or refusal is a new record: it replaces what was agreed before, and the history is kept.",
        consent_summary=summary,
    )


@require_http_methods(["GET", "POST"])
def lawful_basis_new(request, child_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    require(request.user, "lawful_basis.record", child)
    form = LawfulBasisForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.lawful_basis_record(
                actor=request.user,
                child=child,
                basis=data["basis"],
                justification=data["justification"],
                kinds=data["kinds"],
                all_agencies=data["all_agencies"],
                agencies=list(data["agencies"]),
                ends_on=data["ends_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The lawful basis has been recorded and flagged to the central team for review.")
            return redirect("children:record", child_id=child.pk)
    return _form_page(
        request,
        form,
        "Share without consent on a lawful basis",
        f"/children/{child.pk}/",
        "Only where the law allows it, for example to protect a child from significant harm. "
        "The central team reviews every lawful-basis record.",
    )


@require_http_methods(["GET", "POST"])
def confidentiality_new(request, child_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    require(request.user, "consent.record", child)
    form = ConfidentialityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.parent_confidentiality_record(
                actor=request.user,
                child=child,
                request=data["request"],
                kinds=data["kinds"],
                agency=data["agency"],
                sufficient_understanding=data["sufficient_understanding"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The child's request has been recorded. It is honoured wherever a parent could see it.")
            return redirect("children:record", child_id=child.pk)
    return _form_page(request, form, "The child asks that something is not shared with their parents", f"/children/{child.pk}/")


@require_POST
def confidentiality_end(request, child_id, record_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    record = selectors.access_parent_confidentiality(actor=request.user, child=child, record_id=record_id)
    try:
        services.parent_confidentiality_end(actor=request.user, record=record)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, "The request has ended: the child's parents may now be told. It stays in the history.")
    return redirect("consent:child", child_id=child.pk)


@require_http_methods(["GET", "POST"])
def inclusion_new(request, child_id):
    child = find_child(child_id)
    require(request.user, "consent.inclusion", child)
    form = InclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.inclusion_record(actor=request.user, child=child, **data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The family's decision about the index has been recorded.")
            return redirect("consent:dashboard")
    return _form_page(
        request,
        form,
        "The family's decision about the index",
        "/consent/",
        "What it does depends on this area's consent model: see the toolkit.",
    )


# --- The central team --------------------------------------------------------------------------


def dashboard(request):
    return render(request, "consent/dashboard.html", {"dashboard": selectors.consent_dashboard(actor=request.user)})


@require_http_methods(["GET", "POST"])
def review(request, record_id):
    record = selectors.access_lawful_basis(actor=request.user, record_id=record_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lawful_basis_review(
                actor=request.user, record=record, upheld=form.cleaned_data["outcome"] == "upheld", note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The review has been recorded and the practitioner told.")
            return redirect("consent:dashboard")
    return _form_page(request, form, "Review a lawful basis", "/consent/", record=record)


def agreements(request):
    return render(
        request,
        "consent/agreements.html",
        {
            "agreements": selectors.agreements_list(actor=request.user),
            "can_manage": decide(request.user, "agreement.manage").allowed,
        },
    )


def _agreement_details(data) -> services.AgreementDetails:
    return services.AgreementDetails(
        kind=data["kind"],
        title=data["title"],
        reference=data["reference"],
        parties=list(data["parties"]),
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        access_level=data["access_level"],
        kinds=list(data["kinds"]),
    )


@require_http_methods(["GET", "POST"])
def agreement_edit(request, agreement_id=None):
    require(request.user, "agreement.manage")
    agreement = selectors.access_agreement(actor=request.user, agreement_id=agreement_id) if agreement_id else None
    initial = {}
    if agreement is not None:
        initial = {
            "kind": agreement.kind,
            "title": agreement.title,
            "reference": agreement.reference,
            "parties": list(agreement.parties.all()),
            "starts_on": agreement.starts_on,
            "ends_on": agreement.ends_on,
            "access_level": agreement.access_level,
            "kinds": agreement.kinds,
        }
    form = AgreementForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_save(
                actor=request.user,
                details=_agreement_details(form.cleaned_data),
                agreement=agreement,
                signed_copy=form.cleaned_data["signed_copy"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The agreement has been saved.")
            return redirect("consent:agreements")
    form.helper.form_tag = True
    form.helper.attrs["enctype"] = "multipart/form-data"
    title = "Change an information-sharing agreement" if agreement else "Record an information-sharing agreement"
    return _form_page(request, form, title, "/consent/agreements/")


def agreement_copy(request, agreement_id):
    agreement = selectors.agreement_signed_copy(actor=request.user, agreement_id=agreement_id)
    return FileResponse(agreement.signed_copy.open("rb"), as_attachment=True, filename=agreement.signed_copy_name or "agreement")


def notices(request):
    return render(
        request,
        "consent/notices.html",
        {"notices": selectors.notices_list(actor=request.user), "due": selectors.notices_due(actor=request.user)},
    )


@require_http_methods(["GET", "POST"])
def notice_new(request):
    require(request.user, "notice.manage")
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The notice version has been added.")
            return redirect("consent:notices")
    return _form_page(request, form, "Add a version of the fair processing notice", "/consent/notices/")


@require_http_methods(["GET", "POST"])
def notice_issue(request, notice_id):
    notice = selectors.access_notice(actor=request.user, notice_id=notice_id)
    form = NoticeIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_issue_record(actor=request.user, notice=notice, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The issue has been recorded.")
            return redirect("consent:notices")
    return _form_page(request, form, f"Record an issue of notice {notice.version}", "/consent/notices/")


def toolkit(request):
    return render(
        request,
        "consent/toolkit.html",
        {
            "pages": selectors.toolkit_pages(actor=request.user),
            "agreements": selectors.agreements_in_force(actor=request.user),
            "can_edit": decide(request.user, "toolkit.edit").allowed,
        },
    )


def toolkit_page(request, slug):
    page = selectors.access_toolkit_page(actor=request.user, slug=slug)
    return render(request, "consent/toolkit_page.html", {"page": page, "can_edit": decide(request.user, "toolkit.edit").allowed})


@require_http_methods(["GET", "POST"])
def toolkit_edit(request, slug=None):
    require(request.user, "toolkit.edit")
    page = selectors.access_toolkit_page(actor=request.user, slug=slug, purpose="toolkit.edit") if slug else None
    current = page.current if page else None
    initial = (
        {"title": page.title, "kind": page.kind, "agency": page.agency, "body": current.body if current else ""} if page else {}
    )
    form = ToolkitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.toolkit_page_save(
                actor=request.user,
                slug=page.slug if page else slugify(data["title"])[:80] or "page",
                title=data["title"],
                kind=data["kind"],
                body=data["body"],
                agency=data["agency"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The page has been saved.")
            return redirect("consent:toolkit-page", slug=saved.slug)
    return _form_page(request, form, "Edit a toolkit page" if page else "Add a toolkit page", "/consent/toolkit/")
