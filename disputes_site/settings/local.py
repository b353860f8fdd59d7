"""The one-command demo: the embedded defaults of base.py, with DEBUG on."""

from disputes_site.env import env_bool, env_choice

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
# The demo has no mail server: verification mails go to the console, and the
# seeded accounts are already verified.
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "optional", ("mandatory", "optional", "none")
)
