from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from disputes.workflow_doc import workflow_markdown


class Command(BaseCommand):
    help = "Write docs/workflow.md from the workflow table (a test fails when it is out of date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="exit 1 if the file differs")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "workflow.md"
        text = workflow_markdown()
        if options["check"]:
            if not path.exists() or path.read_text() != text:
                raise SystemExit("docs/workflow.md is out of date: run manage.py workflow_doc")
            return
        path.write_text(text)
        self.stdout.write(f"wrote {path}")
