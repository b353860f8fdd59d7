from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """What outside clients need around the API: tokens, idempotency keys, webhooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "Integrations"
