"""Pages for proposed duplicate records. Thin: read through a selector, decide through a service.
Deciding asks for recent authentication, as the child index's own merge page does."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from isahub.accounts.decorators import require_recent_authentication

from . import selectors, services
from .forms import DismissForm, MergeForm

LIST_LIMIT = 200


def duplicates(request):
    rows, total = selectors.open_proposal_page(actor=request.user, limit=LIST_LIMIT)
    return render(
        request,
        "linkage/duplicates.html",
        {
            "rows": rows,
            "total": total,
            "limit": LIST_LIMIT,
            "threshold": settings.ISAHUB_LINKAGE_DEDUPE_THRESHOLD,
        },
    )


def _page(request, proposal_id: int, *, merge_form=None, dismiss_form=None):
    view = selectors.access_proposal(actor=request.user, proposal_id=proposal_id)
    context = {
        "view": view,
        "merge_form": merge_form or MergeForm(proposal=view.proposal),
        "dismiss_form": dismiss_form or DismissForm(proposal=view.proposal),
    }
    return render(request, "linkage/duplicate.html", context)


def duplicate(request, proposal_id: int):
    return _page(request, proposal_id)


def _service_errors(form, error: ValidationError) -> None:
    for problem in error.messages:
        form.add_error(None, problem)


@require_recent_authentication
@require_POST
def merge(request, proposal_id: int):
    proposal = selectors.proposal_for_decision(actor=request.user, proposal_id=proposal_id)
    form = MergeForm(request.POST, proposal=proposal)
    if form.is_valid():
        survivor = proposal.child_a if form.cleaned_data["survivor"] == str(proposal.child_a_id) else proposal.child_b
        try:
            services.merge_proposal(actor=request.user, proposal=proposal, survivor=survivor, note=form.cleaned_data["note"])
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, f"The records are merged: {selectors.legal_name(survivor)}'s record is kept.")
            return redirect("linkage:duplicates")
    return _page(request, proposal_id, merge_form=form)


@require_recent_authentication
@require_POST
def dismiss(request, proposal_id: int):
    proposal = selectors.proposal_for_decision(actor=request.user, proposal_id=proposal_id)
    form = DismissForm(request.POST, proposal=proposal)
    if form.is_valid():
        try:
            services.dismiss_proposal(actor=request.user, proposal=proposal, note=form.cleaned_data["note"])
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, "Recorded: these are two different children. The pair will not be proposed again.")
            return redirect("linkage:duplicates")
    return _page(request, proposal_id, dismiss_form=form)
