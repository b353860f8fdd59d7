from django.apps import AppConfig

# The project's apps, whose models' choice labels the pages show.
PROJECT_APPS = ("accounts", "orders", "disputes", "evidence", "mediation", "integrations")


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes"

    def ready(self) -> None:
        from disputes import checks  # noqa: F401  (registers the system checks)
        from disputes_site.choice_labels import install

        install(PROJECT_APPS)
