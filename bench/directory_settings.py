"""Production settings for bench/directory.py, serving static files from the source folders.

Bench-only: production's hashed-manifest storage needs `collectstatic` first, which the
benchmark does not measure; everything else is config.settings.production unchanged.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
