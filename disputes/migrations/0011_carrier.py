"""Carrier status (issue 15, item 6): a replacement waits for the buyer to confirm
it arrived (settlement ``replacement_receipt``) before the case closes."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models


def _without_search_indexes(state):
    """SQLite changes a CHECK constraint by rebuilding the table, with every index of
    the model state: the search indexes of 0009 are PostgreSQL expressions (and were
    never made on SQLite), so the rebuild leaves them out."""
    state = state.clone()
    model = state.models["disputes", "dispute"]
    model.options["indexes"] = [
        index for index in model.options.get("indexes", []) if not isinstance(index, GinIndex)
    ]
    state.reload_model("disputes", "dispute", delay=True)
    return state


class _PortableOnSQLite:
    """The operation, on SQLite with the states stripped of the search indexes."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            from_state = _without_search_indexes(from_state)
            to_state = _without_search_indexes(to_state)
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            from_state = _without_search_indexes(from_state)
            to_state = _without_search_indexes(to_state)
        super().database_backwards(app_label, schema_editor, from_state, to_state)


class PortableRemoveConstraint(_PortableOnSQLite, migrations.RemoveConstraint):
    pass


class PortableAddConstraint(_PortableOnSQLite, migrations.AddConstraint):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0010_order_notifications"),
    ]

    operations = [
        PortableRemoveConstraint(
            model_name="dispute",
            name="dispute_settlement_valid",
        ),
        migrations.AlterField(
            model_name="dispute",
            name="settlement",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Nothing"),
                    ("appeal_window", "Appeal window open"),
                    ("refunding", "Refund being paid"),
                    ("return_shipment", "Waiting for the buyer to ship the return"),
                    ("return_receipt", "Waiting for the seller to confirm the return"),
                    ("replacement", "Waiting for the seller to ship the replacement"),
                    (
                        "replacement_receipt",
                        "Waiting for the buyer to confirm the replacement arrived",
                    ),
                ],
                default="",
                editable=False,
                max_length=32,
            ),
        ),
        PortableAddConstraint(
            model_name="dispute",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "settlement__in",
                        [
                            "",
                            "appeal_window",
                            "refunding",
                            "return_shipment",
                            "return_receipt",
                            "replacement",
                            "replacement_receipt",
                        ],
                    )
                ),
                name="dispute_settlement_valid",
            ),
        ),
    ]
