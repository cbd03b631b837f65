from django.http import Http404

from isahub.policy.engine import require

from .models import Involvement


def access_involvement(*, actor, child, involvement_id) -> Involvement:
    require(actor, "child.view", child)
    involvement = Involvement.objects.filter(child=child, pk=involvement_id).select_related("practitioner", "agency").first()
    if involvement is None:
        raise Http404("No such involvement")
    return involvement


def lead_candidates(*, actor, child) -> list[tuple[str, str]]:
    """People who may lead: those currently involved (sensitive services named only to themselves)."""
    from isahub.children.selectors import involvement_view

    require(actor, "child.view", child)
    involved = Involvement.objects.filter(child=child, ended_on__isnull=True).select_related("practitioner", "agency")
    options = []
    for involvement in involved:
        shown = involvement_view(actor, involvement)
        if shown is None:  # withheld from this user by consent or agreements: not offered
            continue
        label = "A service is involved" if shown.redacted else f"{shown.practitioner}, {shown.service}"
        # Keyed by the involvement, so a redacted option does not reveal who the person is.
        options.append((str(involvement.pk), label))
    return options


def involved_practitioner(*, actor, child, involvement_id):
    """The practitioner of one of the child's open involvements (404 for anything else)."""
    require(actor, "child.view", child)
    involvement = (
        Involvement.objects.filter(child=child, pk=involvement_id, ended_on__isnull=True).select_related("practitioner").first()
    )
    if involvement is None:
        raise Http404("That person is not working with this child")
    return involvement.practitioner
