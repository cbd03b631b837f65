from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.database, deploy=True)
def durable_database(app_configs, **kwargs):
    """`check --deploy` fails on a PostgreSQL that may lose acknowledged writes."""
    if settings.ISAHUB_DEMO_MODE:
        return []
    from django.db import DatabaseError, connection

    from .startup import database_durability, durability_problems

    if connection.vendor != "postgresql":
        return []
    try:
        problems = durability_problems(database_durability())
    except DatabaseError:
        return []
    return [checks.Error(problem, hint="See docs/operations.md, PostgreSQL.", id="core.E001") for problem in problems]
