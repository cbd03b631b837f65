"""Production serves static files under hashed names; collecting them must succeed."""

from io import StringIO

from django.core.management import call_command
from django.test import override_settings


def test_production_collectstatic_resolves_every_referenced_file(tmp_path, settings):
    # Production's storage (whitenoise's CompressedManifestStaticFilesStorage) fails on the same
    # missing references as Django's manifest storage, which is quicker because it compresses nothing.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", stdout=StringIO())
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/govuk-frontend/govuk-frontend.min.css" in manifest
    assert "vendor/htmx/htmx.min.js" in manifest
