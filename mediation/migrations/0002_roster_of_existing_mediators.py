from django.db import migrations


def put_mediators_on_the_roster(apps, schema_editor):
    """Every mediator who exists when the roster arrives takes cases, as before."""
    User = apps.get_model("accounts", "User")
    MediatorProfile = apps.get_model("mediation", "MediatorProfile")
    MediatorProfile.objects.bulk_create(
        [MediatorProfile(user_id=pk) for pk in User.objects.filter(role="mediator").values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial")]

    operations = [migrations.RunPython(put_mediators_on_the_roster, migrations.RunPython.noop)]
