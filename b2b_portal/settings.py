"""B2B Portal settings: one module, every difference between machines comes from the environment.

The defaults are the embedded setup of `make run` (SQLite, and a Celery broker in a SQLite
file, under `var/`); production sets the variables documented in docs/operations.md.
"""

import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("B2B_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Under DEBUG an unknown address gets the portal's 404 page, as in production; 1 shows Django's
# technical 404 (the URL list) instead.
DEBUG_TECHNICAL_404 = env.bool("DEBUG_TECHNICAL_404", default=False)


def _development_secret_key() -> str:
    """A per-checkout key kept in var/, so that nothing secret is ever committed."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Without SECRET_KEY a per-checkout key from var/ is used, so that management commands run
# anywhere; but with DEBUG=0 the web and Celery processes refuse to start on it (a key
# generated on each machine breaks sessions and CSRF behind a load balancer) and
# `check --deploy` reports it (core/checks.py). Rotate with SECRET_KEY_FALLBACKS (the old keys,
# comma-separated) until the sessions signed with them have expired.
SECRET_KEY = env.str("SECRET_KEY", default="")
SECRET_KEY_MISSING = (
    not SECRET_KEY and not DEBUG and not env.bool("B2B_LOCAL_SECRET_KEY", default=False)
)
SECRET_KEY = SECRET_KEY or _development_secret_key()
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from static files, not a CDN
    "axes",
    "core",
    "catalog",
    "orders",
    "procurement",
    "warehouse",
    "manufacturing",
    "supply",
    "billing",
    "webhooks",
    "notifications",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RefuseUnreadableRequests",
    "core.outage.AnswerDatabaseOutage",  # the database gone: 503 + Retry-After, never 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware_cache.NoStoreForSignedInAndApi",  # signed-in pages and the API: no-store
    "core.middleware_session.SignOutIdleSessions",  # before the login redirect
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.FriendlyNotFoundInDebug",  # the portal's 404 page under DEBUG too
    "core.lockout.ThrottleSignInAttempts",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into core.lockout's answer
]

ROOT_URLCONF = "b2b_portal.urls"
WSGI_APPLICATION = "b2b_portal.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: writers serialise on BEGIN IMMEDIATE, readers keep going (WAL).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # A server that does not answer (packets dropped, not refused) is given up on after this
    # many seconds, so requests answer 503 instead of hanging on the kernel's two minutes.
    _db["OPTIONS"] = {"connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=3)}
    _pool_max = env.int("DATABASE_POOL_MAX_SIZE", default=0)
    if _pool_max:
        # The pool must hold at least as many connections as the process has web threads.
        _db["OPTIONS"]["pool"] = {"min_size": 1, "max_size": _pool_max, "timeout": 10}
        _db["CONN_MAX_AGE"] = 0
    else:
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True

# While the database cannot be reached every request is answered 503 with this Retry-After
# (seconds); a committed order whose read-back fails is read again for up to
# ORDER_READ_BACK_SECONDS before it is answered from what was committed (core.outage).
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=5)
ORDER_READ_BACK_SECONDS = env.float("ORDER_READ_BACK_SECONDS", default=10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process (web, worker), on the same database: the sign-in throttles count here.
# Its table is created by a migration (core 0005).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "b2b_cache",
    }
}

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user name + address first
    "django.contrib.auth.backends.ModelBackend",
]
# Brute force: after AXES_FAILURE_LIMIT failed sign-ins for one user name from one address
# (sign-in form, admin, API Basic auth), that pair is locked for AXES_COOLOFF_MINUTES, even
# with the right password; other users from the same address (an office) are not affected.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
# Behind a proxy, the client address comes from X-Forwarded-For (the proxies in front count).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
# Per address, whatever the user name: failed sign-ins and unknown API tokens in one minute
# before further credential checks from it are refused (429) for the rest of the minute, and
# password-reset requests per window (core.lockout). Valid tokens and sessions never count.
AUTH_FAILURES_PER_ADDRESS = env.int("AUTH_FAILURES_PER_ADDRESS", default=100)
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=5)
PASSWORD_RESET_WINDOW_MINUTES = env.int("PASSWORD_RESET_WINDOW_MINUTES", default=15)
# Sessions end after SESSION_IDLE_HOURS without a request, and SESSION_MAX_AGE_HOURS after
# signing in whatever the activity (core.middleware_session); the cookie lasts as long.
SESSION_IDLE_HOURS = env.float("SESSION_IDLE_HOURS", default=8)
SESSION_MAX_AGE_HOURS = env.float("SESSION_MAX_AGE_HOURS", default=24)
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE_HOURS * 3600)
# A password-reset link works once, for this many hours.
PASSWORD_RESET_TIMEOUT = int(env.float("PASSWORD_RESET_LINK_HOURS", default=24) * 3600)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# --- Security ---------------------------------------------------------------------------------
# HTTPS-only behaviour is on by default in production (DEBUG=0) and can be switched off for a
# plain-HTTP gunicorn behind a trusted network with SECURE_HTTPS=0.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HTTPS)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (Django's own): scripts, styles and everything else only from this
# site's files; no inline script, style or handler anywhere (screens use core/static/core/app.js).
# Bootstrap's CSS draws its icons from data: URIs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Email ------------------------------------------------------------------------------------
# EMAIL_BACKEND is a dotted path; the SMTP variables apply to Django's SMTP backend only.
EMAIL_BACKEND_PATH = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
_smtp_options = {}
if EMAIL_BACKEND_PATH == "django.core.mail.backends.smtp.EmailBackend":
    _smtp_options = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "use_ssl": env.bool("EMAIL_USE_SSL", default=False),
        "timeout": env.int("EMAIL_TIMEOUT", default=30),
    }
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _smtp_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="purchasing@b2b-portal.localhost")

# --- Celery -----------------------------------------------------------------------------------
# The embedded default is a SQLite file beside the database: kombu's SQLAlchemy transport,
# whose messages are rows written and taken in transactions (core/broker.py). Production: Redis.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=f"sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
EMBEDDED_BROKER = CELERY_BROKER_URL.startswith("sqlite://")
if EMBEDDED_BROKER:
    CELERY_BROKER_TRANSPORT = "core.broker:SQLiteTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # How often an idle worker looks for new rows (kombu's default is 1 s); an empty look
        # is one indexed read.
        "polling_interval": env.float("CELERY_POLLING_INTERVAL", default=0.05),
    }
else:
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        CELERY_BROKER_TRANSPORT = "core.broker:RedisTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis: an unacknowledged task comes back after this many seconds (acks_late tasks).
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # An unreachable host (not only a refused port) must not hold a web request for the
        # operating system's TCP time-out.
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2),
    }
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A web process publishing to a broker that is down gives up after this many seconds (the
# action is committed already; the safety nets do the work, docs/architecture.md).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Tasks a worker process holds unacknowledged: one on Redis (acks_late, fair between workers);
# a few on the embedded broker, which is polled, so that a process finishing a task finds the
# next one in hand instead of waiting for the next look at the table.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int(
    "CELERY_PREFETCH_MULTIPLIER", default=4 if EMBEDDED_BROKER else 1
)
# Keep a worker's database connection across tasks (see b2b_portal/celery.py): Celery's
# fix-up then force-closes it only every this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "core.tasks.record_worker_heartbeat", "schedule": 30.0},
    "requeue-stale-supply": {"task": "supply.requeue_stale_supply_orders", "schedule": 30.0},
    "repromise-backorders": {"task": "supply.repromise_backorders", "schedule": 300.0},
    "scan-late-supply": {"task": "supply.scan_late_supply", "schedule": 3600.0},
    "touchless-purchase-orders": {
        "task": "supply.convert_touchless_requisitions",
        "schedule": 60.0,
    },
    "relay-outbox": {"task": "core.relay_outbox", "schedule": 30.0},
    "relay-webhooks": {"task": "core.relay_outbox", "schedule": 15.0, "args": ("webhooks",)},
    # Shipments are invoiced one by one right after ship confirm (through the outbox); the
    # batch run invoices in bulk whatever is still owed (a pick wave's many shipments).
    "invoice-shipped": {"task": "billing.invoice_shipped", "schedule": 300.0},
}

# The transactional outbox (core/outbox.py): a message being sent is leased for this long (more
# than the longest send: EMAIL_TIMEOUT), failed sends wait BACKOFF doubling up to BACKOFF_MAX,
# and after MAX_ATTEMPTS the message is FAILED (admin: Outbox messages, action "Retry").
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=30)
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=3600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# The address users open the portal at, for links in emails (e.g. https://b2b.example.com);
# empty: emails carry paths only.
SITE_URL = env.str("SITE_URL", default="")
# Webhooks go to global unicast addresses only (SSRF, webhooks/addresses.py). This, and nothing
# else (not DEBUG), also lets through loopback, private and shared (100.64.0.0/10) addresses, for
# an installation whose receivers live on its own network; link-local never.
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)
# How long a process trusts its list of active subscriptions: a subscription made in another
# process gets events from at most this many seconds after it was made.
WEBHOOKS_SUBSCRIPTIONS_CACHE_SECONDS = env.int("WEBHOOKS_SUBSCRIPTIONS_CACHE_SECONDS", default=5)
# The whole of one webhook delivery (connect, send, answer), well under the outbox lease (300 s)
WEBHOOKS_DELIVERY_SECONDS = env.float("WEBHOOKS_DELIVERY_SECONDS", default=15)
# Supply orders still REQUESTED this long after creation are re-queued (beat, every 30 s).
SUPPLY_STALE_AFTER_SECONDS = env.int("SUPPLY_STALE_AFTER_SECONDS", default=60)

# --- Business settings ------------------------------------------------------------------------
CURRENCY = env.str("CURRENCY", default="USD")
PO_APPROVAL_THRESHOLD = Decimal(env.str("PO_APPROVAL_THRESHOLD", default="10000"))
# Change orders that come from sales order changes: held for the buyer's review before they go
# to the supplier (off: sent at once); and minutes a change order's email waits, so that rapid
# successive changes make one revision (0: sent at once).
PO_CHANGE_ORDER_REVIEW = env.bool("PO_CHANGE_ORDER_REVIEW", default=False)
PO_CHANGE_ORDER_WINDOW_MINUTES = env.int("PO_CHANGE_ORDER_WINDOW_MINUTES", default=0)
PAYMENT_TERMS_DAYS = env.int("PAYMENT_TERMS_DAYS", default=30)
# The company on customer documents (invoice, packing slip); the address may span lines
# ("\n" in the variable).
COMPANY_NAME = env.str("COMPANY_NAME", default="B2B Portal")
COMPANY_ADDRESS = env.str("COMPANY_ADDRESS", default="", multiline=True)

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "outage": {"()": "core.outage.OutageWithoutTracebacks"},
        # A 403 is one warning line (user, reason), without the traceback Django adds.
        "refusals_without_traceback": {"()": "core.log_filters.RefusalsWithoutTraceback"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["outage"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["refusals_without_traceback"]},
        "axes": {"level": "WARNING"},  # a line per sign-in otherwise; lockouts are warnings
    },
}

# --- API --------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
