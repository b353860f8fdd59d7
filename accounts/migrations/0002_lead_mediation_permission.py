from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "permissions": [
                    ("review_appeals", "Can decide appeals (senior mediator)"),
                    (
                        "lead_mediation",
                        "Can lead the mediation team (roster, reassignment, dashboard)",
                    ),
                ],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
    ]
