"""The checks production settings make before anything starts."""

from django.core.exceptions import ImproperlyConfigured

DEFAULT_SECRET_KEYS = {"insecure-development-key-change-me", ""}


def refuse_unsafe_configuration(*, debug: bool, secret_key: str, allowed_hosts: list[str], database_engine: str) -> None:
    problems = []
    if debug:
        problems.append("DEBUG must be off in production (unset DJANGO_DEBUG).")
    if secret_key in DEFAULT_SECRET_KEYS or len(secret_key) < 50:
        problems.append("Set DJANGO_SECRET_KEY to a random value of at least 50 characters.")
    if not allowed_hosts:
        problems.append("Set DJANGO_ALLOWED_HOSTS to the host names the service answers on.")
    if database_engine != "postgresql":
        problems.append("Production runs on PostgreSQL: set ISAHUB_DB_ENGINE=postgresql.")
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + " ".join(problems))
