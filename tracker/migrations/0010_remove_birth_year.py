"""The year of birth only served the 60-80% heart-rate band; the program now gives a ceiling in
beats a minute (SAFETY.md section 5), so the field goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0009_enrolment_state_derived"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="pregnancyprofile",
            name="birth_year",
        ),
    ]
