"""Checks a production server makes before it serves anyone."""

from django.core.exceptions import ImproperlyConfigured


def refuse_unsafe_data() -> None:
    from django.conf import settings

    from isahub.accounts.selectors import demo_accounts_present

    if not settings.ISAHUB_DEMO_MODE and demo_accounts_present():
        raise ImproperlyConfigured(
            "Refusing to start: demo accounts are present in this database. "
            "Production must never hold the demo borough; start from an empty database."
        )
