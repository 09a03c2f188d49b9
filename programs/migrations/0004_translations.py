import config.validators
from django.db import migrations, models
from django.db.models import F

# django-modeltranslation's columns: every text there is today is the English one.
FIELDS = {
    "Exercise": ["name", "equipment", "instructions", "safety_notes"],
    "Program": ["name", "summary"],
    "ProgramVersion": ["notes"],
    "Phase": ["name", "description"],
    "SessionTemplate": ["name", "description"],
    "Block": ["notes"],
    "Prescription": ["load", "cue"],
}


def english_from_base(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("programs", model_name)
        model.objects.update(**{f"{field}_en": F(field) for field in fields})


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_text_validators"),
    ]

    operations = [
        migrations.AddField(
            model_name="block",
            name="notes_en",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="block",
            name="notes_es",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="equipment_en",
            field=models.CharField(
                blank=True, max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="equipment_es",
            field=models.CharField(
                blank=True, max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="instructions_en",
            field=models.TextField(null=True, validators=[config.validators.multi_line]),
        ),
        migrations.AddField(
            model_name="exercise",
            name="instructions_es",
            field=models.TextField(null=True, validators=[config.validators.multi_line]),
        ),
        migrations.AddField(
            model_name="exercise",
            name="name_en",
            field=models.CharField(
                max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="name_es",
            field=models.CharField(
                max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="safety_notes_en",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="safety_notes_es",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="phase",
            name="description_en",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="phase",
            name="description_es",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="phase",
            name="name_en",
            field=models.CharField(
                max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="phase",
            name="name_es",
            field=models.CharField(
                max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="prescription",
            name="cue_en",
            field=models.TextField(
                blank=True,
                null=True,
                validators=[config.validators.multi_line],
                verbose_name="coaching cue",
            ),
        ),
        migrations.AddField(
            model_name="prescription",
            name="cue_es",
            field=models.TextField(
                blank=True,
                null=True,
                validators=[config.validators.multi_line],
                verbose_name="coaching cue",
            ),
        ),
        migrations.AddField(
            model_name="prescription",
            name="load_en",
            field=models.CharField(
                blank=True, max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="prescription",
            name="load_es",
            field=models.CharField(
                blank=True, max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="name_en",
            field=models.CharField(
                max_length=200, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="name_es",
            field=models.CharField(
                max_length=200, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="summary_en",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="summary_es",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="programversion",
            name="notes_en",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="programversion",
            name="notes_es",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="sessiontemplate",
            name="description_en",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="sessiontemplate",
            name="description_es",
            field=models.TextField(
                blank=True, null=True, validators=[config.validators.multi_line]
            ),
        ),
        migrations.AddField(
            model_name="sessiontemplate",
            name="name_en",
            field=models.CharField(
                max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="sessiontemplate",
            name="name_es",
            field=models.CharField(
                max_length=120, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.RunPython(english_from_base, migrations.RunPython.noop),
    ]
