"""The production WSGI application with auditing switched off: a baseline for bench/audit.py.

Bench-only. It loads exactly what `config.wsgi` serves (production settings, the same
start-up refusals), then replaces `isahub.audit.services.audit_record` with a no-op, so
a request does all its usual work except writing its audit row. There is deliberately no
setting or flag for this in the product: only this file, which production never loads.

    gunicorn --chdir /work/main bench.unaudited_wsgi:application
"""

from config.wsgi import application  # sets Django up (production settings) first
from isahub.audit import services


def _not_audited(**kwargs):
    """Stands in for `audit_record`: records nothing."""
    return None


# Callers look the function up on the module at call time (`audit.audit_record(...)` in
# isahub/api/auth.py, and `audit_record_now`, which calls it through the module globals).
services.audit_record = _not_audited

__all__ = ["application"]
