"""Settings shared by every environment. Secrets come only from the environment."""

import os
from pathlib import Path

import structlog
from csp.constants import NONE, SELF

from isahub.core.logging import format_exc_info_without_messages

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ISAHUB_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS: list[str] = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "ninja",
    "govuk_frontend_django",
    "crispy_forms",
    "crispy_forms_gds",
    "django_structlog",
    "isahub.core",
    "isahub.profiles",
    "isahub.accounts",
    "isahub.audit",
    "isahub.policy",
    "isahub.api",
    "isahub.children",
    "isahub.involvements",
    "isahub.messaging",
    "isahub.feeds",
    "isahub.linkage",
    "isahub.consent",
    "isahub.directory",
]

MIDDLEWARE = [
    "isahub.core.middleware.RequestIdMiddleware",
    # Removes uploads written by a request whose transaction rolled back (docs/reliability.md).
    "isahub.core.storage.UploadsFollowTransactionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "isahub.accounts.middleware.SessionLimitsMiddleware",
    "isahub.accounts.middleware.SecondFactorMiddleware",
    "isahub.accounts.middleware.VettingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # django-structlog's, logging each request's route rather than its raw path.
    "isahub.core.request_logging.RequestMiddleware",
    "isahub.policy.middleware.AccessRefusedMiddleware",
    # Last, so that a lockout is seen after authentication has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "isahub" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "isahub.core.context_processors.service",
                "isahub.messaging.context_processors.notifications",
            ],
        },
    },
]

# The database. SQLite (WAL) is the embedded default; PostgreSQL is production.
DATABASE_URL = os.environ.get("ISAHUB_DATABASE", "sqlite")
DB_CONNECT_TIMEOUT = env_int("ISAHUB_DB_CONNECT_TIMEOUT", 5)
DB_STATEMENT_TIMEOUT_MS = env_int("ISAHUB_DB_STATEMENT_TIMEOUT_MS", 10_000)
# A server that stops answering on an open connection is cut off by the client after this
# (isahub/core/backends/postgresql); SQLite waits this long for another writer's lock.
DB_CLIENT_DEADLINE_MS = env_int("ISAHUB_DB_CLIENT_DEADLINE_MS", DB_STATEMENT_TIMEOUT_MS + 2_000)
DB_BUSY_TIMEOUT = env_int("ISAHUB_DB_BUSY_TIMEOUT", 5)


def database_settings() -> dict:
    if os.environ.get("ISAHUB_DB_ENGINE", "sqlite") == "postgresql":
        return {
            # Django's backend plus a client-side deadline on every round trip.
            "ENGINE": "isahub.core.backends.postgresql",
            "CLIENT_DEADLINE_SECONDS": DB_CLIENT_DEADLINE_MS / 1000,
            "NAME": os.environ.get("PGDATABASE", "isahub"),
            "USER": os.environ.get("PGUSER", "isahub"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "ATOMIC_REQUESTS": True,
            "CONN_MAX_AGE": env_int("ISAHUB_DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "connect_timeout": DB_CONNECT_TIMEOUT,
                # A vanished host (not a frozen server: see the backend) is noticed by TCP.
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                "tcp_user_timeout": DB_CLIENT_DEADLINE_MS,
                # Every statement has a deadline, and no transaction may sit idle holding
                # locks (this also bounds how late an audit row can commit: see audit docs).
                "options": (
                    f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
                    f" -c idle_in_transaction_session_timeout={DB_STATEMENT_TIMEOUT_MS}"
                ),
            },
            "TEST": {"NAME": os.environ.get("ISAHUB_TEST_DB_NAME", "test_isahub")},
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("ISAHUB_SQLITE_PATH", str(VAR_DIR / "isahub.sqlite3")),
        "ATOMIC_REQUESTS": True,
        "OPTIONS": {
            "timeout": DB_BUSY_TIMEOUT,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Second factor, sessions and lockout.
ISAHUB_REQUIRE_TOTP = env_bool("ISAHUB_REQUIRE_TOTP", True)
ISAHUB_DEMO_MODE = False
OTP_TOTP_ISSUER = "isahub"
ISAHUB_IDLE_TIMEOUT_SECONDS = env_int("ISAHUB_IDLE_TIMEOUT_SECONDS", 15 * 60)
ISAHUB_ABSOLUTE_SESSION_SECONDS = env_int("ISAHUB_ABSOLUTE_SESSION_SECONDS", 10 * 60 * 60)
ISAHUB_STEP_UP_SECONDS = env_int("ISAHUB_STEP_UP_SECONDS", 5 * 60)
SESSION_COOKIE_AGE = ISAHUB_ABSOLUTE_SESSION_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
AXES_FAILURE_LIMIT = env_int("ISAHUB_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("ISAHUB_LOCKOUT_HOURS", 1)
# Lock the account, not the address: schools and clinics share one NAT address, and an
# address lockout would shut out a whole building after one person's typing mistakes.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Vetting: access is refused when a check is missing or older than these.
ISAHUB_VETTING_DBS_MAX_AGE_DAYS = env_int("ISAHUB_VETTING_DBS_MAX_AGE_DAYS", 3 * 365)
ISAHUB_VETTING_TRAINING_MAX_AGE_DAYS = env_int("ISAHUB_VETTING_TRAINING_MAX_AGE_DAYS", 2 * 365)
ISAHUB_VETTING_AGREEMENT_MAX_AGE_DAYS = env_int("ISAHUB_VETTING_AGREEMENT_MAX_AGE_DAYS", 365)

# Single sign-on by OIDC, off unless a council turns it on.
ISAHUB_OIDC_ENABLED = env_bool("ISAHUB_OIDC_ENABLED", False)
if ISAHUB_OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("isahub.accounts.oidc.ExistingUserOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_CREATE_USER = False

# The deployment profile: what differs between areas, as data.
ISAHUB_PROFILE = os.environ.get("ISAHUB_PROFILE", str(BASE_DIR / "isahub" / "profiles" / "shipped" / "default.toml"))
ISAHUB_SERVICE_NAME = "Information Sharing and Assessment hub"

# Audit sealing: rows are hash-chained in batches by the sealer.
ISAHUB_AUDIT_SEAL_BATCH = env_int("ISAHUB_AUDIT_SEAL_BATCH", 1000)
# A gap in the id sequence is only sealed as "never committed" once the row after it is
# older than this and, on PostgreSQL, once the transactions writing audit rows when it was
# first seen have ended (isahub/audit/sealing.py; ADR 3).
ISAHUB_AUDIT_GAP_GRACE_SECONDS = env_int("ISAHUB_AUDIT_GAP_GRACE_SECONDS", 30)

# Uploaded files (signed sharing agreements): kept outside static, served only through a
# view that asks policy. Signed copies are PDF or image files up to this size.
MEDIA_ROOT = Path(os.environ.get("ISAHUB_MEDIA_ROOT", VAR_DIR / "media"))
# Uploads are written whole or not at all, and a full disk answers 507 (isahub/core/storage.py).
STORAGES = {
    "default": {"BACKEND": "isahub.core.storage.TransactionalFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ISAHUB_AGREEMENT_MAX_BYTES = env_int("ISAHUB_AGREEMENT_MAX_BYTES", 10 * 1024 * 1024)

# Service directory: entries not verified for this long are flagged (DOMAIN.md §13), and
# the public Open Referral UK API answers this many requests per minute per address.
ISAHUB_DIRECTORY_VERIFY_AFTER_DAYS = env_int("ISAHUB_DIRECTORY_VERIFY_AFTER_DAYS", 183)
ISAHUB_ORUK_RATE_LIMIT_PER_MINUTE = env_int("ISAHUB_ORUK_RATE_LIMIT_PER_MINUTE", 300)

# Agency feeds (docs/feeds.md): a file with more rejected rows than this share loads nothing;
# a feed row scoring at or above UPPER links automatically, between LOWER and UPPER waits for a
# data manager, below LOWER adds a child (or waits, for feeds that never add children); a fact
# another agency set within CONFLICT_WINDOW_DAYS is not overwritten but queued for verification.
ISAHUB_FEED_MAX_REJECTION_RATE = float(os.environ.get("ISAHUB_FEED_MAX_REJECTION_RATE", "0.05"))
ISAHUB_FEED_LINK_UPPER = float(os.environ.get("ISAHUB_FEED_LINK_UPPER", "0.90"))
ISAHUB_FEED_LINK_LOWER = float(os.environ.get("ISAHUB_FEED_LINK_LOWER", "0.55"))
ISAHUB_FEED_CONFLICT_WINDOW_DAYS = env_int("ISAHUB_FEED_CONFLICT_WINDOW_DAYS", 90)
ISAHUB_FEED_MAX_UPLOAD_BYTES = env_int("ISAHUB_FEED_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)

# Probabilistic linkage (docs/linkage.md): "splink" scores feed rows with the newest trained
# Splink model (the deterministic matcher when none is trained); "matcher" always uses the matcher.
# A Splink match probability at or above UPPER links, between LOWER and UPPER waits for review.
ISAHUB_FEED_LINKER = os.environ.get("ISAHUB_FEED_LINKER", "splink")
ISAHUB_LINKAGE_UPPER = float(os.environ.get("ISAHUB_LINKAGE_UPPER", "0.99"))
ISAHUB_LINKAGE_LOWER = float(os.environ.get("ISAHUB_LINKAGE_LOWER", "0.50"))
ISAHUB_LINKAGE_DEDUPE_THRESHOLD = float(os.environ.get("ISAHUB_LINKAGE_DEDUPE_THRESHOLD", "0.90"))
ISAHUB_LINKAGE_CANDIDATES = os.environ.get("ISAHUB_LINKAGE_CANDIDATES", "keys")  # keys | index

# A proxy may pass its own request id; only trusted when set.
ISAHUB_TRUST_REQUEST_ID_HEADER = env_bool("ISAHUB_TRUST_REQUEST_ID_HEADER", False)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "isahub" / "static"]

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Security headers. No inline script anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("ISAHUB_FROM_EMAIL", "isahub@example.invalid")

# Structured logs: ids only, never names, dates of birth or free text about a child.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# Our RequestIdMiddleware has already decided the id (and whether to trust a proxy's).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
                # Tracebacks without exception messages: they may quote personal data.
                format_exc_info_without_messages,
            ],
        },
    },
    "filters": {"withhold_paths": {"()": "isahub.core.logging.WithholdPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["withhold_paths"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("ISAHUB_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.StackInfoRenderer(),
        format_exc_info_without_messages,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
