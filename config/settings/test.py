"""The test suite: the same rules as production, with fast hashing and demo conveniences."""

from .base import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ISAHUB_DEMO_MODE = True
# Argon2 is the production hasher; MD5 only keeps the tests fast.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "isahub.core.storage.TransactionalFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Quiet, structured logs in tests; warnings and errors still show.
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
