"""Evidence is never deleted, and its metadata and hash never change (SPEC 13.4,
docs/audit.md): only its preview (thumbnail) is filled in, and an administrator
hides it once, with a reason. The functions are in disputes' migration 0007."""

from django.db import migrations

TRIGGERS = r"""
CREATE TRIGGER evidence_kept BEFORE DELETE ON evidence_evidence
  FOR EACH ROW EXECUTE FUNCTION disputes_refuse();
CREATE TRIGGER evidence_preview_or_hide BEFORE UPDATE ON evidence_evidence
  FOR EACH ROW WHEN (OLD.hidden_at IS NULL)
  EXECUTE FUNCTION disputes_only_columns('thumbnail', 'thumbnail_status', 'hidden_at', 'hidden_reason');
CREATE TRIGGER evidence_preview_only BEFORE UPDATE ON evidence_evidence
  FOR EACH ROW WHEN (OLD.hidden_at IS NOT NULL)
  EXECUTE FUNCTION disputes_only_columns('thumbnail', 'thumbnail_status');
"""

DROP = r"""
DROP TRIGGER IF EXISTS evidence_kept ON evidence_evidence;
DROP TRIGGER IF EXISTS evidence_preview_or_hide ON evidence_evidence;
DROP TRIGGER IF EXISTS evidence_preview_only ON evidence_evidence;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("disputes", "0007_refuse_changes"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
