"""The one-command demo: the embedded defaults of base.py, with DEBUG on."""

from disputes_site.env import env_bool, env_choice

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
# The demo has no mail server: verification mails go to the console, and the
# seeded accounts are already verified.
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "optional", ("mandatory", "optional", "none")
)
# The demo signs its checkpoints with a key it makes at first run, kept in
# VAR_DIR beside its database (docs/audit.md); a configured key wins.
AUDIT_SIGNING_KEY_FILE = AUDIT_SIGNING_KEY_FILE or str(VAR_DIR / "audit-signing-key.pem")  # noqa: F405
AUDIT_SIGNING_KEY_CREATE = not AUDIT_SIGNING_KEY  # noqa: F405
