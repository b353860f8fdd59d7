"""Carrier status (issue 15, item 6): a replacement waits for the buyer to confirm
it arrived (settlement ``replacement_receipt``) before the case closes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0010_order_notifications"),
    ]

    operations = [
        migrations.RemoveConstraint(
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
        migrations.AddConstraint(
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
