"""Every setting lives here, read from the environment (ARCHITECTURE rule 10).

The defaults are the embedded demo: SQLite, local files, console email and
Celery tasks run inline. ``DATABASE_URL``, ``REDIS_URL``, the ``AWS_*`` and
``EMAIL_*`` variables switch to the real services. ``local``, ``test`` and
``production`` change only what they must.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.csp import CSP

from disputes_site.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_int_list,
    env_list,
    env_redis_url,
    env_str,
    redis_url_with_db,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Runtime data (demo database, uploaded evidence) stays out of the source and
# static trees so that nothing private is ever served as a static file.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", "django-insecure-demo-key-only-for-the-embedded-demo-and-tests"
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Search's GIN indexes (disputes/search.py); harmless on the demo's SQLite.
    "django.contrib.postgres",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django_countries",
    "accounts",
    "orders",
    "disputes",
    "evidence",
    "mediation",
    # REST API v1 (SPEC section 9): tokens, idempotency keys, webhooks.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (CSRF reads POST): an oversized upload is
    # refused on its Content-Length alone.
    "disputes_site.request_size.RefuseOversizedBody",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL in the path or the admin's input: 400 before any view queries it.
    "disputes_site.unstorable_input.RefuseUnstorableInput",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The two-factor pages show the TOTP secret and recovery codes: never stored.
    "disputes_site.no_store.TwoFactorPagesNotStored",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.MediatorMFARequiredMiddleware",
    # Last: it needs the user, and a mediator sent to set up 2FA has not
    # submitted anything yet. Claims each page form's one-time key (issue 13).
    "disputes_site.once.PageFormsActOnce",
]

ROOT_URLCONF = "disputes_site.urls"
WSGI_APPLICATION = "disputes_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "disputes.context_processors.notifications",
                "disputes.context_processors.menu",
                "disputes.context_processors.payments",
            ],
            # {% once_key %} in every changing page form, without a {% load %}.
            "builtins": ["disputes_site.once_tag"],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'demo.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# On PostgreSQL the web processes send parameters apart from the SQL, and a query
# a connection runs twice becomes a prepared statement: after a few executions
# PostgreSQL keeps one plan for it instead of planning it on every request
# (planning the pages' joins cost more than running them; the detail API's and
# the list's throughput rose by about a sixth, docs/benchmarks.md). A plan made
# without the values can be wrong for a range over time, so the places that
# read such ranges ask for plans made with their values: the dashboard's
# figures (``disputes_site.db.planned_with_values``), and the Celery workers
# and beat, whose sweeps are nothing but such ranges (``disputes_site.celery``).
# Turn it off behind a transaction-pooling pgbouncer, which cannot keep
# prepared statements between transactions.
DATABASE_PREPARED_STATEMENTS = DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
)
if DATABASE_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=2
    )

# --- Redis: Celery broker and the cache ------------------------------------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Logical database 1: the broker keeps database 0 to itself, so
            # clearing the cache never drops queued tasks.
            "LOCATION": redis_url_with_db(REDIS_URL, env_int("REDIS_CACHE_DB", 1, minimum=0)),
            "KEY_PREFIX": "disputes",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (CELERY_ namespace, read by disputes_site/celery.py) -----------
# Without REDIS_URL there is no broker to install: tasks run inline, in the
# web process, which is what the one-command demo needs.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
# Inline (the demo), a failing task is logged, never turned into a failed request.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
# A task is acknowledged only once done, and given back to the queue if its
# worker dies mid-way: tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes the database connection around every task (a
# new PostgreSQL connection each time); with this it does so only once per
# that many tasks, and disputes_site/celery.py applies CONN_MAX_AGE and the
# health checks in between, as Django does per request.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 10_000, minimum=0)

# --- Auth and accounts (django-allauth) ------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: a locked account is refused before any password is tried
    # (accounts/lockout.py). Keep it first.
    "disputes_site.auth_backends.LockoutGate",
    # Django's and allauth's, loading the signed-in user with their seniority
    # and unread notifications.
    "disputes_site.auth_backends.ModelBackend",
    "disputes_site.auth_backends.AuthenticationBackend",
    # Last: reached only when every backend above refused the password, so a
    # wrong password counts once towards the lockout. Keep it last.
    "disputes_site.auth_backends.FailureCounter",
]
# Failed logins lock the account whatever the door (web, admin, token
# endpoint; SPEC 13.6): this many wrong passwords within the period lock it
# for the period. Per account, so rotating addresses does not help a guesser.
LOGIN_LOCKOUT_ATTEMPTS = env_int("LOGIN_LOCKOUT_ATTEMPTS", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 300, minimum=1)
# How many proxies of ours stand in front of the app, each appending to
# X-Forwarded-For: the client's address is read from that header only that
# far (disputes_site/client_address.py). 0 (no proxy): the header is ignored,
# since anyone can write it, and the socket's address is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory", ("mandatory", "optional", "none")
)
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.RoleSignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Disputes] "
# allauth's limits, per client address (the adapter gives allauth ours). Failed
# logins are limited per account by LOGIN_LOCKOUT_* above, for every door;
# allauth's per-account part ("5/5m/key") would be a second counter, web only.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Changing the password asks for the current one through the lockout too.
ACCOUNT_FORMS = {"change_password": "accounts.password_forms.ChangePasswordForm"}
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    # Wrong current passwords lock the account (LOGIN_LOCKOUT_*) before this
    # limit (allauth's default is 5 a minute) would answer a bare 429 instead
    # of the lock's message.
    "change_password": "20/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Disputes"
# When on, a mediator must set up an authenticator app before working cases.
MEDIATOR_MFA_REQUIRED = env_bool("MEDIATOR_MFA_REQUIRED", False)

# --- Email (Django 6.1 MAILERS) ---------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587, minimum=1),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
del EMAIL_HOST  # read through MAILERS only; the old setting is deprecated
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Disputes <disputes@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing one
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (demo, tests) whitenoise serves straight from the
# finders; production serves the hashed, compressed copies in STATIC_ROOT.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
MEDIA_ROOT = VAR_DIR / "media"
# Evidence is private: no MEDIA_URL is routed; files go out only through
# permission-checking views.
MEDIA_URL = "/private-media-not-served/"

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "us-east-1"),
            "access_key": env_str("AWS_ACCESS_KEY_ID", ""),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", ""),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            # Signed links die within five minutes (SPEC section 4).
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300, minimum=1),
            "signature_version": "s3v4",
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security --------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache on every page and written through to the
# database, which stays the record: a cleared cache logs nobody out, and each
# page costs one query fewer (docs/benchmarks.md).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Every page carries a nonce-based CSP: no inline script, no third-party host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Bootstrap draws form controls with data: SVGs; the TOTP QR code is one too.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Signed checkpoints of the record (SPEC 13.4; docs/audit.md) ----------
# The Ed25519 key that signs the chain heads, kept outside the database so that
# whoever can rewrite the tables cannot re-sign them: a PEM private key or the
# base64 of its 32-byte seed, in the environment or in a file (a mounted
# secret). Without either, nothing is signed and ``check --deploy`` fails.
AUDIT_SIGNING_KEY = env_str("AUDIT_SIGNING_KEY", "")
AUDIT_SIGNING_KEY_FILE = env_str("AUDIT_SIGNING_KEY_FILE", "")
# Make the key file at first use if it is missing: the demo only (local.py).
AUDIT_SIGNING_KEY_CREATE = False
# How often beat signs the heads that changed: a party's email carries the
# latest signed head, so this is how far behind it may be.
AUDIT_CHECKPOINT_SECONDS = env_int("AUDIT_CHECKPOINT_SECONDS", 60, minimum=1)
# Leaves per checkpoint at most: an email or case file reads all the leaves of
# its checkpoint to build its inclusion proof; more changed disputes than this
# make several chained checkpoints.
AUDIT_CHECKPOINT_MAX_LEAVES = env_int("AUDIT_CHECKPOINT_MAX_LEAVES", 256, minimum=1)

# --- i18n ------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- The product's rules (SPEC section 2; operator settings) ---------------
# A dispute can be opened from payment until this many days after delivery.
DISPUTE_WINDOW_DAYS_AFTER_DELIVERY = env_int("DISPUTE_WINDOW_DAYS_AFTER_DELIVERY", 30, minimum=1)
# "Not received" waits for the expected delivery date, or this many days after
# shipment when the order has none.
NOT_RECEIVED_DAYS_AFTER_SHIPMENT = env_int("NOT_RECEIVED_DAYS_AFTER_SHIPMENT", 15, minimum=1)
ORDERS_PER_PAGE = env_int("ORDERS_PER_PAGE", 20, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # One line per task run is noise; failures are still logged.
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}

FORM_RENDERER = "disputes_site.forms.BootstrapFormRenderer"

# --- The dispute workflow (SPEC section 3; operator settings) ---------------
# How long each wait lasts, in days; disputes/workflow.py names what each wait
# is for and what happens when it passes.
DISPUTE_DEADLINE_DAYS = {
    "seller_response": env_int("DEADLINE_SELLER_RESPONSE_DAYS", 3, minimum=1),
    "negotiation": env_int("DEADLINE_NEGOTIATION_DAYS", 7, minimum=1),
    "mediator_review": env_int("DEADLINE_MEDIATOR_REVIEW_DAYS", 5, minimum=1),
    "info_response": env_int("DEADLINE_INFO_RESPONSE_DAYS", 5, minimum=1),
    "appeal_window": env_int("DEADLINE_APPEAL_WINDOW_DAYS", 10, minimum=1),
    "appeal_review": env_int("DEADLINE_APPEAL_REVIEW_DAYS", 5, minimum=1),
    "return_shipment": env_int("DEADLINE_RETURN_SHIPMENT_DAYS", 10, minimum=1),
    "return_receipt": env_int("DEADLINE_RETURN_RECEIPT_DAYS", 10, minimum=1),
    "replacement_shipment": env_int("DEADLINE_REPLACEMENT_SHIPMENT_DAYS", 10, minimum=1),
    # The buyer's time to confirm a replacement arrived (counted again from the
    # carrier's delivery): then it closes if the carrier delivered it (issue 15).
    "replacement_receipt": env_int("DEADLINE_REPLACEMENT_RECEIPT_DAYS", 7, minimum=1),
    "proposal_response": env_int("DEADLINE_PROPOSAL_RESPONSE_DAYS", 3, minimum=1),
    # A draft never submitted is cancelled after this (issue 15; reminders first).
    "draft_expiry": env_int("DEADLINE_DRAFT_EXPIRY_DAYS", 30, minimum=1),
}
# "More time, once" (SPEC 13.2): how far a party's one extension moves its deadline.
DISPUTE_EXTENSION_DAYS = env_int("DISPUTE_EXTENSION_DAYS", 3, minimum=1)
# Reminders go to whoever must act at these fractions of each wait.
DISPUTE_REMINDER_PERCENTS = sorted(
    env_int_list("DISPUTE_REMINDER_PERCENTS", [50, 90], minimum=1, maximum=99)
)
# When the seller stays silent: "platform_review" (the platform steps in) or
# "grant_claim" (the buyer's claim is granted).
SELLER_SILENCE_POLICY = env_choice(
    "SELLER_SILENCE_POLICY", "platform_review", ("platform_review", "grant_claim")
)
DEADLINE_SWEEP_SECONDS = env_int("DEADLINE_SWEEP_SECONDS", 60, minimum=1)
DEADLINE_SWEEP_BATCH = env_int("DEADLINE_SWEEP_BATCH", 500, minimum=1)
# The payment gateway refunds go through; the sandbox needs no account.
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "disputes.payments.SandboxGateway")
# Carrier tracking (issue 15 item 6): the interface asked for a return's or a
# replacement's status (integrations/carriers/; the sandbox needs no account),
# and the secret tracking services sign the carrier webhook with (Standard
# Webhooks, "whsec_" + base64); empty: POST /api/v1/carrier-events/ refuses all (401).
CARRIER_BACKEND = env_str("CARRIER_BACKEND", "integrations.carriers.sandbox.SandboxCarrier")
CARRIER_WEBHOOK_SECRET = env_str("CARRIER_WEBHOOK_SECRET", "")
REFUND_MAX_RETRIES = env_int("REFUND_MAX_RETRIES", 5, minimum=0)
# A refund the gateway gave up on goes to the leads' "Payments needing
# attention" list with this many days to retry it or record a payment made
# outside the platform; past it the list marks it overdue (SPEC 13.4).
REFUND_ATTENTION_DAYS = env_int("REFUND_ATTENTION_DAYS", 2, minimum=1)
NOTIFICATION_EMAIL_MAX_RETRIES = env_int("NOTIFICATION_EMAIL_MAX_RETRIES", 5, minimum=0)
# Emails per task: one claim, one mail connection and one update per batch.
# A worker killed mid-batch may send the batch's sent ones again (after the
# stale-claim delay), so bigger is faster but repeats more on a crash.
NOTIFICATION_EMAIL_BATCH = env_int("NOTIFICATION_EMAIL_BATCH", 50, minimum=1)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {"task": "disputes.sweep_deadlines", "schedule": DEADLINE_SWEEP_SECONDS},
    # The outbox sweep: emails a crashed worker or a broker outage left behind.
    "deliver-pending-notifications": {
        "task": "disputes.deliver_pending_notifications",
        "schedule": 60,
    },
    "resume-refunds": {"task": "disputes.resume_refunds", "schedule": 300},
    "resume-thumbnails": {"task": "evidence.resume_thumbnails", "schedule": 300},
    # Signs the chain heads that changed since the last checkpoint (docs/audit.md).
    "sign-checkpoints": {
        "task": "disputes.sign_checkpoints",
        "schedule": AUDIT_CHECKPOINT_SECONDS,
    },
}

# --- Mediation dashboard (docs/dashboard.md) --------------------------------
# Its figures are computed in the database and kept this long in the cache
# (0: computed on every render); the page says when they were computed.
MEDIATION_DASHBOARD_CACHE_SECONDS = env_int("MEDIATION_DASHBOARD_CACHE_SECONDS", 60, minimum=0)
# The queue's counts per filter (one pass over the open cases) are kept this
# long per mediator; 0 counts on every page.
MEDIATION_QUEUE_COUNTS_CACHE_SECONDS = env_int(
    "MEDIATION_QUEUE_COUNTS_CACHE_SECONDS", 30, minimum=0
)

# --- Evidence (SPEC section 4; operator settings) ---------------------------
EVIDENCE_MAX_BYTES = {
    "photo": env_int("EVIDENCE_MAX_PHOTO_BYTES", 10 * 1024 * 1024, minimum=1),
    "video": env_int("EVIDENCE_MAX_VIDEO_BYTES", 200 * 1024 * 1024, minimum=1),
    "document": env_int("EVIDENCE_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, minimum=1),
}
EVIDENCE_MAX_ITEMS_PER_PARTY = env_int("EVIDENCE_MAX_ITEMS_PER_PARTY", 30, minimum=1)
# Pillow refuses images with more pixels than this (decompression bombs).
EVIDENCE_MAX_PIXELS = env_int("EVIDENCE_MAX_PIXELS", 50_000_000, minimum=1)
EVIDENCE_THUMBNAIL_SIZE = env_int("EVIDENCE_THUMBNAIL_SIZE", 480, minimum=32)
# Uploads above this size go to a temporary file, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A request whose Content-Length is above the largest upload plus this allowance
# is answered 413 before its body is read (disputes_site/request_size.py). The
# allowance covers what a browser adds around one file: the multipart boundaries
# and part headers (a few hundred bytes), the description (500 characters, at
# most 2 KB of UTF-8), the visibility and the CSRF token; 64 KiB leaves a wide
# margin without letting a meaningful amount of anything else through.
REQUEST_BODY_ALLOWANCE_BYTES = env_int("REQUEST_BODY_ALLOWANCE_BYTES", 64 * 1024, minimum=0)
REQUEST_BODY_MAX_BYTES = max(EVIDENCE_MAX_BYTES.values()) + REQUEST_BODY_ALLOWANCE_BYTES
# Videos are remuxed without their metadata inside the upload request; a file
# that keeps ffmpeg busy longer than this is refused instead of holding a worker.
EVIDENCE_VIDEO_REMUX_TIMEOUT_SECONDS = env_int(
    "EVIDENCE_VIDEO_REMUX_TIMEOUT_SECONDS", 120, minimum=1
)

# --- REST API v1 (SPEC section 9) --------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous call answers 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonThrottle",
        "core.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
        "token_login": env_str("API_THROTTLE_TOKEN_LOGIN", "10/minute"),
        "carrier_events": env_str("API_THROTTLE_CARRIER_EVENTS", "600/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSONParser with a 400 for what json.load cannot take: nesting too deep.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Disputes API",
    "DESCRIPTION": (
        "Orders, disputes, evidence, messages, timeline and notifications (SPEC section 9). "
        "Authenticate with `Authorization: Token <token>` from `POST /api/v1/auth/token/`, "
        "or the session. Errors are JSON with `code`, `detail` and, for bad input, `errors`. "
        "POSTs accept an `Idempotency-Key` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the sidecar package: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OutcomeEnum": "disputes.choices.Outcome",
        "RequestedOutcomeEnum": "disputes.choices.REQUESTED_OUTCOMES",
        "OfferStatusEnum": "disputes.choices.OfferStatus",
        "OrderStatusEnum": "orders.models.OrderStatus",
        "DeliveryStatusEnum": "integrations.models.WebhookDelivery.Status",
        "PartyEnum": "disputes.choices.Party",
    },
}
# API tokens expire this many days after they are made (SPEC 13.6).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=1)
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24, minimum=1)
# A repeat waits this long for the first request's answer, then answers 409.
IDEMPOTENCY_WAIT_SECONDS = env_int("IDEMPOTENCY_WAIT_SECONDS", 10, minimum=0)
# A key still "in progress" after this long was left by a process that died.
IDEMPOTENCY_STALE_SECONDS = env_int("IDEMPOTENCY_STALE_SECONDS", 120, minimum=1)
# A page form's one-time key is valid (and its first result remembered) this
# long after the page was shown; an older form is refused and the user reloads.
# The two waits above apply to a page form's repeat too (disputes_site/once.py).
ONCE_KEY_HOURS = env_int("ONCE_KEY_HOURS", 24, minimum=1)
# One deadline for a whole delivery (connecting, sending, reading the answer),
# not per read: a receiver sending a byte at a time cannot hold a worker longer.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Of a receiver's answer only the status line and headers are read, this much
# at most: the status is all a delivery records, and a worker's memory is bounded.
WEBHOOK_MAX_RESPONSE_BYTES = env_int("WEBHOOK_MAX_RESPONSE_BYTES", 65536, minimum=1024)
# Seconds before each retry of a failed delivery (then it is marked failed).
WEBHOOK_RETRY_DELAYS = env_int_list(
    "WEBHOOK_RETRY_DELAYS", [30, 120, 600, 3600, 14400], minimum=0, maximum=86400
)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
# Receivers on loopback, private, link-local or reserved addresses (tests, the
# demo); never in production, where they would open the platform's own network
# to sellers' URLs (SSRF: cloud metadata, Redis, admin pages).
WEBHOOK_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", False)
CELERY_BEAT_SCHEDULE["sweep-webhooks"] = {"task": "integrations.sweep_webhooks", "schedule": 60}
CELERY_BEAT_SCHEDULE["purge-idempotency-keys"] = {
    "task": "integrations.purge_idempotency_keys",
    "schedule": 3600,
}
# Asks CARRIER_BACKEND about the returns and replacements not yet delivered, for
# carriers that call no webhook (issue 15 item 6); 0 turns the poll off.
CARRIER_POLL_SECONDS = env_int("CARRIER_POLL_SECONDS", 1800, minimum=0)
if CARRIER_POLL_SECONDS:
    CELERY_BEAT_SCHEDULE["poll-carriers"] = {
        "task": "integrations.poll_carriers",
        "schedule": CARRIER_POLL_SECONDS,
    }

# --- Benchmarks (make bench; docs/benchmarks.md) ------------------------------
# Off everywhere but the benchmark: mounts the framework floor view at
# /bench/floor/ and answers every request with its query count in X-Bench-Queries.
BENCH_MODE = env_bool("BENCH_MODE", False)
if BENCH_MODE:
    MIDDLEWARE = ["bench.middleware.query_count", *MIDDLEWARE]
