from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from isahub.accounts.selectors import access_user_for_involvement
from isahub.children.access import child_behind_reason
from isahub.consent.forms import sharing_answer_from
from isahub.consent.selectors import consent_summary
from isahub.consent.services import involvement_register_with_sharing
from isahub.core.forms import apply_service_errors
from isahub.policy.engine import decide, require

from . import services
from .forms import CloseCaseForm, EndInvolvementForm, InvolvementForm, LeadProfessionalForm
from .selectors import access_involvement, involved_practitioner, lead_candidates


@require_http_methods(["GET", "POST"])
def register(request, child_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    on_behalf = request.GET.get("for") == "someone-else" and decide(request.user, "involvement.register_on_behalf", child).allowed
    form = InvolvementForm(
        request.POST or None,
        on_behalf=on_behalf,
        ask_about_sharing=True,
        initial={"phone": request.user.phone, "email": request.user.email},
    )
    summary = consent_summary(actor=request.user, child=child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioner = access_user_for_involvement(actor=request.user, user=data["practitioner"]) if on_behalf else None
        try:
            involvement_register_with_sharing(
                actor=request.user,
                child=child,
                answer=sharing_answer_from(data),
                practitioner=practitioner,
                role=data["role"],
                phone=data["phone"],
                email=data["email"],
                started_on=data["started_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The involvement has been recorded. Everyone already involved has been told.")
            return redirect("children:record", child_id=child.pk)
    return render(
        request,
        "involvements/form.html",
        {"form": form, "child_id": child.pk, "title": "Record an involvement", "consent_summary": summary},
    )


@require_http_methods(["GET", "POST"])
def end(request, child_id, involvement_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    involvement = access_involvement(actor=request.user, child=child, involvement_id=involvement_id)
    require(request.user, "involvement.end", involvement)
    form = EndInvolvementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.involvement_end(
                actor=request.user,
                involvement=involvement,
                reason=form.cleaned_data["reason"],
                safe_to_close=form.cleaned_data["safe_to_close"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The involvement has ended.")
            return redirect("children:record", child_id=child.pk)
    return render(request, "involvements/form.html", {"form": form, "child_id": child.pk, "title": "End an involvement"})


@require_http_methods(["GET", "POST"])
def lead(request, child_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    require(request.user, "lead.assign", child)
    candidates = lead_candidates(actor=request.user, child=child)
    form = LeadProfessionalForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        practitioner = involved_practitioner(actor=request.user, child=child, involvement_id=form.cleaned_data["practitioner"])
        deputy = (
            involved_practitioner(actor=request.user, child=child, involvement_id=form.cleaned_data["deputy"])
            if form.cleaned_data["deputy"]
            else None
        )
        try:
            services.lead_professional_assign(
                actor=request.user, child=child, practitioner=practitioner, deputy=deputy, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The lead professional has been recorded.")
            return redirect("children:record", child_id=child.pk)
    return render(
        request, "involvements/form.html", {"form": form, "child_id": child.pk, "title": "Record the lead professional"}
    )


@require_http_methods(["GET", "POST"])
def close_case(request, child_id):
    child, has_reason = child_behind_reason(request, child_id)
    if not has_reason:
        return redirect("children:reason", child_id=child.pk)
    require(request.user, "child.close_case", child)
    form = CloseCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = services.case_close(actor=request.user, child=child, judgement=form.cleaned_data["judgement"])
        messages.success(request, f"The case is closed: {ended} involvements and the lead professional have ended.")
        return redirect("children:record", child_id=child.pk)
    return render(request, "involvements/form.html", {"form": form, "child_id": child.pk, "title": "Close the case"})
