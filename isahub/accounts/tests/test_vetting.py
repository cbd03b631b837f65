"""A user whose vetting is missing or out of date is refused, in plain words, everywhere."""

import datetime as dt

import pytest
from django.utils import timezone

from isahub.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dbs_checked_on", None, "There is no record of your DBS check."),
        ("training_completed_on", None, "There is no record of your information-sharing training."),
        ("user_agreement_signed_on", None, "There is no record of your signed user agreement."),
        ("dbs_checked_on", "too_old_dbs", "Your DBS check"),
        ("training_completed_on", "too_old_training", "Your information-sharing training"),
        ("user_agreement_signed_on", "too_old_agreement", "Your signed user agreement"),
        ("dbs_checked_on", "future", "is in the future"),
    ],
)
def test_missing_or_stale_vetting_is_refused_on_pages(make_user, client_for, settings, field, value, message):
    dates = {
        "too_old_dbs": TODAY() - dt.timedelta(days=settings.ISAHUB_VETTING_DBS_MAX_AGE_DAYS + 1),
        "too_old_training": TODAY() - dt.timedelta(days=settings.ISAHUB_VETTING_TRAINING_MAX_AGE_DAYS + 1),
        "too_old_agreement": TODAY() - dt.timedelta(days=settings.ISAHUB_VETTING_AGREEMENT_MAX_AGE_DAYS + 1),
        "future": TODAY() + dt.timedelta(days=3),
    }
    user = make_user(**{field: dates.get(value, value)})
    response = client_for(user).get("/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your access is on hold" in body and message in body
    assert AuditEntry.objects.filter(action="auth.vetting_refused", actor_id=user.pk, outcome="refused").exists()


def test_vetting_on_the_threshold_day_is_still_valid(make_user, client_for, settings):
    user = make_user(dbs_checked_on=TODAY() - dt.timedelta(days=settings.ISAHUB_VETTING_DBS_MAX_AGE_DAYS))
    assert client_for(user).get("/").status_code == 200


def test_thresholds_are_settings(make_user, client_for, settings):
    user = make_user(training_completed_on=TODAY() - dt.timedelta(days=40))
    settings.ISAHUB_VETTING_TRAINING_MAX_AGE_DAYS = 30
    assert client_for(user).get("/").status_code == 403


def test_refused_user_can_still_sign_out(make_user, client_for):
    client = client_for(make_user(dbs_checked_on=None))
    assert client.post("/sign-out/").status_code == 302


def test_vetting_is_enforced_on_the_api_too(make_user, token_for):
    user = make_user(user_agreement_signed_on=None)
    from django.test import Client

    response = Client().get("/api/v1/me", **token_for(user))
    assert response.status_code == 403
    assert "signed user agreement" in response.json()["detail"]
