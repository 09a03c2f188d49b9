"""A heart-rate ceiling in beats a minute (ACOG CO 804: usually under about 140), replacing the
60-80% band in new program versions; the band's columns stay for published versions."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="prescription",
            name="hr_max_bpm",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Keep the heart rate under this; RPE and the talk test guide the effort.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(90),
                    django.core.validators.MaxValueValidator(200),
                ],
                verbose_name="heart-rate ceiling (bpm)",
            ),
        ),
        migrations.AddConstraint(
            model_name="prescription",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("hr_max_bpm__isnull", True),
                    models.Q(("hr_max_bpm__gte", 90), ("hr_max_bpm__lte", 200)),
                    _connector="OR",
                ),
                name="hr_max_bpm_plausible",
                violation_error_message="A heart-rate ceiling runs from 90 to 200 beats a minute.",
            ),
        ),
    ]
