"""Settings for every deployment, driven by environment variables.

With nothing set, the embedded default runs: SQLite under var/, an in-memory channel
layer, Celery in eager mode, console email and media files under var/. README.md lists
every variable.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DORFFUNK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _embedded_secret_key() -> str:
    """Make a secret once and keep it, so sessions survive a restart of the embedded default."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def database_from_url(url: str) -> dict:
    """Translate DATABASE_URL (postgres://user:pass@host:port/name?opt=v) into Django's form."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme}://")
    options: dict = dict(parse_qsl(parts.query))
    pool_max = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10"))
    # Django's own psycopg 3 pool; CONN_MAX_AGE must stay 0 with it.
    options["pool"] = {"min_size": 1, "max_size": pool_max, "timeout": 10}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "dorffunk",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 0,
        "TEST": {"NAME": os.environ.get("DATABASE_TEST_NAME") or None},
    }


SECRET_KEY = os.environ.get("SECRET_KEY") or _embedded_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "apps.core",
    "apps.places",
    "apps.accounts",
    "apps.posts",
    "apps.chat",
    "apps.townhall",
    "apps.events",
    "apps.concerns",
    "apps.notifications",
    "apps.realtime",
    "apps.demo",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.RejectNulMiddleware",
]

ROOT_URLCONF = "dorffunk.urls"
WSGI_APPLICATION = "dorffunk.wsgi.application"
ASGI_APPLICATION = "dorffunk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.chat.context_processors.chat",
                "apps.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "dorffunk.sqlite3",
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE avoids
                # "database is locked" when two requests upgrade a read to a write.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker ------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "dorffunk")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: no per-channel queues to expire, and a subscriber waits on an open
            # connection. redis-py 8 gives every socket a 5 s read timeout, which would
            # tear down every idle consumer; the subscriber must wait without one.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": REDIS_PREFIX,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes a worker's database connections (and with prefork, its whole pool) around
# every task unless told to reuse them; a push fan-out is hundreds of short tasks.
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "100"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_PREFIX}:celery:"}
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BEAT_SCHEDULE = {
    "archive-expired-posts": {"task": "apps.posts.tasks.archive_expired_posts", "schedule": 600.0},
    "announce-due-news": {"task": "apps.townhall.tasks.announce_due_news", "schedule": 60.0},
    "prune-notifications": {
        "task": "apps.notifications.tasks.prune_notifications",
        "schedule": 86400.0,
    },
    # The daily email digest, by default at 07:30 Europe/Berlin.
    "send-email-digests": {
        "task": "apps.notifications.tasks.send_email_digests",
        "schedule": crontab(
            hour=os.environ.get("NOTIFICATIONS_DIGEST_HOUR", "7"),
            minute=os.environ.get("NOTIFICATIONS_DIGEST_MINUTE", "30"),
        ),
    },
}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "posts:feed"
LOGOUT_REDIRECT_URL = "places:landing"
# Confirmation and reset links both last three days, as their emails say.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
# Failed logins per email address and per client address before a pause.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files only some people may see (photos of posts): never under MEDIA_URL, served by views
# that check who asks.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    # Hashed, compressed file names need `collectstatic` first (make run does it).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Also serve straight from static/, so files added since the last collectstatic are found.
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
PROFILE_PHOTO_MAX_BYTES = 8 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000

# --- Email --------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "DorfFunk <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Security -----------------------------------------------------------------------------
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SESSION_COOKIE_AGE = 60 * 60 * 24 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.authentication.StrictTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": None,
    "DEFAULT_THROTTLE_RATES": {"auth": os.environ.get("API_AUTH_RATE", "30/hour")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DorfFunk API",
    "DESCRIPTION": "REST API of DorfFunk, the open village communication platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Fields of the same name with different choices get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "PostKindEnum": "apps.posts.models.Post.Kind",
        "PostCategoryEnum": "apps.posts.models.Post.Category",
        "PostStatusEnum": "apps.posts.models.Post.Status",
        "ConversationKindEnum": [("direct", "direct"), ("group", "group")],
        "ConcernCategoryEnum": "apps.concerns.models.Concern.Category",
        "ConcernStatusEnum": "apps.concerns.models.Concern.Status",
        "NotificationKindEnum": "apps.notifications.models.Notification.Kind",
    },
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per finished task drowns everything else, in eager mode most of all;
        # failures are still logged as errors.
        "celery.app.trace": {"level": os.environ.get("CELERY_TASK_LOG_LEVEL", "WARNING")},
    },
}

# --- Realtime -----------------------------------------------------------------------------
REALTIME_MAX_FRAME_BYTES = int(os.environ.get("REALTIME_MAX_FRAME_BYTES", 16 * 1024))
# Bad frames a socket may send before it is closed as abusive.
REALTIME_MAX_BAD_FRAMES = int(os.environ.get("REALTIME_MAX_BAD_FRAMES", "20"))
# A socket counts as present while it has been heard from within this many seconds.
REALTIME_PRESENCE_SECONDS = int(os.environ.get("REALTIME_PRESENCE_SECONDS", "75"))
# Threads of an ASGI process that run the services sockets call (sending, reading, editing),
# each with its own database connection from the pool, so one socket's send waits on the
# database while another's runs. Must stay below DATABASE_POOL_MAX_SIZE.
REALTIME_SERVICE_THREADS = int(os.environ.get("REALTIME_SERVICE_THREADS", "4"))

# --- Chat ---------------------------------------------------------------------------------
CHAT_RATE_LIMIT_MESSAGES = int(os.environ.get("CHAT_RATE_LIMIT_MESSAGES", "20"))
CHAT_RATE_LIMIT_SECONDS = int(os.environ.get("CHAT_RATE_LIMIT_SECONDS", "10"))

# Larger request bodies are refused before anything reads them (the largest upload we take is
# a news item's four photos and PDF).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", 64 * 1024 * 1024))

# --- Concern reports (Sag's uns) ----------------------------------------------------------
# Map tiles for the concern map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty: a
# local coordinate grid, no requests to any tile server.
CONCERNS_MAP_TILE_URL = os.environ.get("CONCERNS_MAP_TILE_URL", "")
CONCERNS_MAP_TILE_ATTRIBUTION = os.environ.get("CONCERNS_MAP_TILE_ATTRIBUTION", "")

# --- Notifications ------------------------------------------------------------------------
NOTIFICATIONS_KEEP_READ_DAYS = int(os.environ.get("NOTIFICATIONS_KEEP_READ_DAYS", "90"))
# Web Push. Without VAPID_PRIVATE_KEY a pair is made once into var/vapid.json; make one for
# production with `manage.py vapid_keys`. The subject tells push services whom to contact.
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:admin@example.org")
# The push services browsers subscribe at; the server only ever posts to these (https).
PUSH_ENDPOINT_HOSTS = env_list(
    "PUSH_ENDPOINT_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.services.mozilla.com,"
    "web.push.apple.com,*.notify.windows.com",
)
# Devices per push task, pushes in flight per task, and seconds before a push service counts
# as not answering.
PUSH_BATCH_SIZE = int(os.environ.get("PUSH_BATCH_SIZE", "250"))
PUSH_CONCURRENCY = int(os.environ.get("PUSH_CONCURRENCY", "16"))
PUSH_TIMEOUT = float(os.environ.get("PUSH_TIMEOUT", "10"))
# A push the service refused for now (429, 5xx, timeout) is tried this often in all, waiting
# what its Retry-After says, else PUSH_RETRY_BASE seconds, doubling, at most PUSH_RETRY_MAX.
PUSH_MAX_ATTEMPTS = int(os.environ.get("PUSH_MAX_ATTEMPTS", "5"))
PUSH_RETRY_BASE = float(os.environ.get("PUSH_RETRY_BASE", "10"))
PUSH_RETRY_MAX = float(os.environ.get("PUSH_RETRY_MAX", "3600"))
# How long a push service keeps a push for a phone that is off: a day; warnings too.
PUSH_TTL = int(os.environ.get("PUSH_TTL", str(24 * 3600)))
# A push task that held deliveries this long without finishing is taken to have died.
PUSH_CLAIM_SECONDS = int(os.environ.get("PUSH_CLAIM_SECONDS", "300"))

# --- Town hall ----------------------------------------------------------------------------
TOWNHALL_PDF_MAX_BYTES = int(os.environ.get("TOWNHALL_PDF_MAX_BYTES", 20 * 1024 * 1024))

# --- Posts --------------------------------------------------------------------------------
POST_PHOTO_MAX_BYTES = int(os.environ.get("POST_PHOTO_MAX_BYTES", 10 * 1024 * 1024))
