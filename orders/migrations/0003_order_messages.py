"""The order's conversation (SPEC 13.3). Its messages are written once: PostgreSQL
refuses UPDATE and DELETE of them, as it does for a dispute's messages (there is
no redaction path for these yet: an order message that must go is a matter for
the database's operators, with the refusal lifted on purpose). PostgreSQL only.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

REFUSE = """
CREATE OR REPLACE FUNCTION orders_message_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% of order message % is refused: the conversation is kept as written',
    TG_OP, OLD.id USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER orders_message_kept BEFORE UPDATE OR DELETE ON orders_ordermessage
  FOR EACH ROW EXECUTE FUNCTION orders_message_refuse();
"""
DROP = """
DROP TRIGGER IF EXISTS orders_message_kept ON orders_ordermessage;
DROP FUNCTION IF EXISTS orders_message_refuse();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_ledger_invariant"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("body", models.TextField()),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="order_messages",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="orders.order",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["order", "created_at"], name="order_message_thread")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("body", ""), _negated=True),
                        name="order_message_not_empty",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
