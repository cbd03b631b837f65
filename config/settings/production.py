"""Production: PostgreSQL, TOTP for everyone, secure cookies, HSTS.

Importing this module raises ImproperlyConfigured when the configuration is unsafe, so a
misconfigured server refuses to start instead of running open.
"""

import os

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, env_bool
from .safety import refuse_unsafe_configuration

DEBUG = env_bool("DJANGO_DEBUG", False)
refuse_unsafe_configuration(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    allowed_hosts=ALLOWED_HOSTS,
    database_engine=os.environ.get("ISAHUB_DB_ENGINE", "sqlite"),
)

ISAHUB_DEMO_MODE = False
ISAHUB_REQUIRE_TOTP = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("ISAHUB_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63_072_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": {"BACKEND": "isahub.core.storage.TransactionalFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("ISAHUB_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,  # noqa: F405
    {"NAME": "isahub.accounts.validators.NotTheDemoPasswordValidator"},
]
