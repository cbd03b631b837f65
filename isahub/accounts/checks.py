from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def no_demo_accounts(app_configs, **kwargs):
    if settings.ISAHUB_DEMO_MODE:
        return []
    from django.db import DatabaseError

    from .selectors import demo_accounts_present

    try:
        present = demo_accounts_present()
    except DatabaseError:
        return []
    if present:
        return [
            checks.Error(
                "Demo accounts are present in the database.", hint="Production starts from an empty database.", id="accounts.E001"
            )
        ]
    return []
