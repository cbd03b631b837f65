"""The embedded demo: SQLite, demo accounts, TOTP enrolment may be skipped."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
ISAHUB_DEMO_MODE = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Demo e-mails are written to files instead of being sent.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(VAR_DIR / "mail")  # noqa: F405
