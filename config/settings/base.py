"""Settings shared by every environment. Everything that differs comes from the environment."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Before the admin, so its admin classes can register (program content in both languages).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "users",
    "programs",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "users.middleware.UserLanguageMiddleware",
    "users.middleware.UserTimezoneMiddleware",
    "users.middleware.RequireStaffMFAMiddleware",
    "users.middleware.RequireConsentMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "tracker.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(
        env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (seconds; 0 = a new connection per request, None = forever). The
# production settings keep them for 60 s by default: opening a PostgreSQL connection costs
# about as much as a whole cheap page. Health checks drop a connection the server closed.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False))
# Development SQLite: a write waits for the lock (up to `timeout` seconds) instead of failing
# with "database is locked"; IMMEDIATE takes the write lock when a transaction begins, so two
# transactions never both read and then both try to write (which SQLite refuses at once).
# Write-ahead logging: a commit appends to the log instead of writing a rollback journal and
# the database, and readers never wait for a writer. synchronous=NORMAL, SQLite's advice for
# WAL: the log is synced at each checkpoint, not at each commit (0.7 ms of a 6 ms log POST
# here). The database is never corrupted, and a crash of the app loses nothing; a power cut
# or an OS crash may roll back the last commits. PostgreSQL, production's database, keeps
# synchronous_commit on.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "landing"

# --- allauth: e-mail login, verification, throttling, TOTP ---
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "users.forms.SignupExtraForm"
# allauth's forms with sentence-case labels (the others already are).
ACCOUNT_FORMS = {
    "login": "users.account_forms.LoginForm",
    "change_password": "users.account_forms.ChangePasswordForm",
    "reset_password_from_key": "users.account_forms.ResetPasswordKeyForm",
}
ACCOUNT_ADAPTER = "users.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    # Five failed log-ins per e-mail address in five minutes, ten per IP per minute.
    "login_failed": "10/m/ip,5/300s/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Prenafit] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Prenafit"
# PTs and admins must turn on TOTP before they can use the app (on in production).
PRENAFIT_REQUIRE_STAFF_MFA = env.bool("PRENAFIT_REQUIRE_STAFF_MFA", default=not DEBUG)
# How many proxies in front of the app add themselves to X-Forwarded-For. 0: the client's
# address is REMOTE_ADDR and the header is ignored (it can be spoofed). Feeds both allauth's
# log-in limits and DRF's throttles, so they key on the same address.
PRENAFIT_TRUSTED_PROXIES = env.int("PRENAFIT_TRUSTED_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = PRENAFIT_TRUSTED_PROXIES

# Spanish is Spain's (es-ES): the catalogue is locale/es; `make test` and `make run` compile it,
# and tests/test_catalogue.py fails when a msgid is missing, empty or fuzzy. A logged-in user
# sees her profile language (users.middleware.UserLanguageMiddleware); a visitor, the language
# of her switch (cookie) or else her browser's Accept-Language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
# locale/allauth holds allauth's Spanish rewritten in our voice (tú); Django reads LOCALE_PATHS
# before any app's catalogue.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth"]
# Program content (exercises, phases, screen questions, ODI wording...) in both languages:
# django-modeltranslation adds <field>_en and <field>_es; a missing Spanish text falls back to
# the English (`manage.py program_translation_status` lists them).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "es")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console in development; any backend, or SMTP from EMAIL_URL (smtp+tls://user:pw@host:587).
_email_options: dict = {}
if env("EMAIL_URL", default=""):
    _smtp = env.email_url("EMAIL_URL")
    _email_options = {
        "host": _smtp["EMAIL_HOST"],
        "port": _smtp["EMAIL_PORT"],
        "username": _smtp["EMAIL_HOST_USER"],
        "password": _smtp["EMAIL_HOST_PASSWORD"],
        "use_tls": _smtp.get("EMAIL_USE_TLS", False),
        "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
    }
MAILERS = {
    "default": {
        "BACKEND": env(
            "EMAIL_BACKEND",
            default="django.core.mail.backends.smtp.EmailBackend"
            if _email_options
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": _email_options,
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Prenafit <noreply@prenafit.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Content-Security-Policy (Django 6 built-in): no inline script or style anywhere ---
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Redis and Celery ---
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
# Short socket timeouts: publishing from a web request fails fast when Redis is down.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
if not CELERY_BROKER_URL:
    if REDIS_URL:
        CELERY_BROKER_URL = REDIS_URL
    else:
        # No Redis configured: an embedded broker that needs no server (kombu's filesystem
        # transport), so the development command still runs the worker and reminders.
        _broker_dir = BASE_DIR / ".broker"
        CELERY_BROKER_URL = "filesystem://"
        CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(_broker_dir / "out"),
            "data_folder_out": str(_broker_dir / "out"),
            "processed_folder": str(_broker_dir / "processed"),
            "control_folder": str(_broker_dir / "control"),
            "store_processed": False,
        }
        (_broker_dir / "out").mkdir(parents=True, exist_ok=True)
        (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
        (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing never blocks a web request for long when the broker is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing a task never retries for long: a web request must not hang on a dead broker
# (delivery rows wait in the database and the next dispatcher run enqueues them).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "dispatch-reminders": {"task": "tracker.dispatch_reminders", "schedule": 300.0},
    # Accounts whose deletion was asked 7 or more days ago (tracker.services.accounts_purge).
    "purge-deleted-accounts": {"task": "tracker.purge_deleted_accounts", "schedule": 86400.0},
    # Idempotency keys older than 90 days (users.idempotency.request_keys_prune).
    "prune-request-keys": {"task": "users.prune_request_keys", "schedule": 86400.0},
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    # Sessions read from Redis, written through to the database: one query fewer a page. Only
    # with a cache every process shares: with a per-process one, a session ended in one
    # process (log-out, account deletion) would live on in another's copy.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- JSON API (Django REST framework, OpenAPI 3 by drf-spectacular, docs served locally) ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.TokenAuthentication",
        "users.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.api_contract.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_contract.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"user": "600/min", "token": "10/min"},
    "NUM_PROXIES": PRENAFIT_TRUSTED_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Prenafit API",
    "DESCRIPTION": (
        "The same capabilities as the web pages, on the same rules: a client's own data under "
        "/me/, a PT's linked clients under /clients/ (404 for anyone else), and the public "
        "programs. Authenticate with `Authorization: Token <key>` from /auth/token/."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several components have a `kind`: each enum keeps a readable name of its own.
    "ENUM_NAME_OVERRIDES": {
        "ExerciseKindEnum": "programs.models.Exercise.Kind",
        "BlockKindEnum": "programs.models.Block.Kind",
        "QuestionKindEnum": "tracker.models.ScreeningQuestion.Kind",
        "SafetyItemKindEnum": "tracker.models.SafetyItem.Kind",
        "NotificationKindEnum": "tracker.models.Notification.Kind",
        "AssessmentKindEnum": "tracker.models.Assessment.Kind",
        "AlertKindEnum": "tracker.models.Alert.Kind",
    },
}

# API tokens (django-rest-knox): expire 30 days after their last use (the expiry moves on use,
# written at most once an hour); only a hash is stored.
from datetime import timedelta  # noqa: E402

KNOX_TOKEN_MODEL = "users.ApiToken"
# knox's own migrations create its default token table even when the model is swapped out
# (and that table's foreign key to users then blocks TRUNCATE): it is never used, so skip them.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": "users.ApiToken",
    "TOKEN_TTL": timedelta(days=30),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 3600,
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTH_HEADER_PREFIX": "Token",
}

PRENAFIT_DEMO_PASSWORD = "prenafit-demo"
# The privacy notice in force (templates/users/privacy.html). Change it with the notice: every
# user is asked to agree again at her next page (users.middleware.RequireConsentMiddleware).
PRENAFIT_PRIVACY_NOTICE_VERSION = "2026-12-01"
# Every absolute link in every e-mail starts with this (reminders, invitations, allauth's):
# the worker has no request to ask. `make run` sets it from WEB_PORT, and so does this default.
PRENAFIT_BASE_URL = env(
    "PRENAFIT_BASE_URL", default=f"http://127.0.0.1:{env('WEB_PORT', default='8000')}"
)

# Web Push (issue 17): the VAPID key pair (`python manage.py generate_vapid_keys` prints both
# lines). Without both keys the push channel is not offered anywhere.
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
from email.utils import parseaddr  # noqa: E402

_vapid_contact = parseaddr(DEFAULT_FROM_EMAIL)[1]
VAPID_SUBJECT = env(
    "VAPID_SUBJECT",
    default=f"mailto:{_vapid_contact}" if "@" in _vapid_contact else "mailto:admin@prenafit.test",
)
# A push endpoint on plain http to this machine (a stand-in push service): tests and
# development only. Production accepts https push services only.
PRENAFIT_PUSH_ALLOW_LOCAL_HTTP = env.bool("PRENAFIT_PUSH_ALLOW_LOCAL_HTTP", default=DEBUG)
