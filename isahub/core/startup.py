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


# What PostgreSQL must run with for an acknowledged write to survive a crash.
DURABLE = {"fsync": "on", "synchronous_commit": "on"}


def durability_problems(server_settings: dict[str, str]) -> list[str]:
    return [
        f"PostgreSQL runs with {name}={server_settings.get(name)!s}; production needs {name}={wanted}."
        for name, wanted in DURABLE.items()
        if server_settings.get(name) != wanted
    ]


def database_durability() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')")
        return dict(cursor.fetchall())


def refuse_unsafe_database() -> None:
    """A production server refuses to start on a PostgreSQL that may lose acknowledged
    writes in a crash (fsync off, or commits acknowledged before they reach the disk)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    problems = durability_problems(database_durability())
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + " ".join(problems))
