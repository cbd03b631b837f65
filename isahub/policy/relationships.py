"""Facts about a user's relationship to a child, which the rules weigh."""

from __future__ import annotations

from django.utils import timezone

from isahub.children.models import BreakGlassGrant, Child
from isahub.involvements.models import Involvement, LeadProfessional


def is_involved(actor, child: Child) -> bool:
    return Involvement.objects.filter(child=child, practitioner=actor, ended_on__isnull=True).exists()


def is_lead_professional(actor, child: Child) -> bool:
    return LeadProfessional.objects.filter(child=child, ended_on__isnull=True, practitioner=actor).exists()


def is_lead_or_deputy(actor, child: Child) -> bool:
    current = LeadProfessional.objects.filter(child=child, ended_on__isnull=True).first()
    return current is not None and actor.pk in (current.practitioner_id, current.deputy_id)


def has_break_glass(actor, child: Child) -> bool:
    return BreakGlassGrant.objects.filter(child=child, user=actor, expires_at__gt=timezone.now()).exists()
