from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        # HEIC photos (iPhones): pillow-heif teaches Pillow to open them.
        from pillow_heif import register_heif_opener

        register_heif_opener()
