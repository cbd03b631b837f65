"""The production WSGI application with `audit_record` writing its row with one plain
INSERT instead of the ORM (bench/raw_audit.py): an experiment for bench/audit.py
(`--experiments`). Bench-only, like bench/unaudited_wsgi.py.

    gunicorn --chdir /work/main bench.raw_audit_wsgi:application
"""

import importlib

from config.wsgi import application  # sets Django up (production settings) first
from isahub.audit import services

# Imported by name, after Django is set up (the module imports models).
services.audit_record = importlib.import_module("bench.raw_audit").raw_audit_record

__all__ = ["application"]
