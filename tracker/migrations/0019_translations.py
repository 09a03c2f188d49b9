import config.validators
from django.db import migrations, models
from django.db.models import F

# django-modeltranslation's columns: every text there is today is the English one.
FIELDS = {"ScreeningQuestion": ["text"], "OdiSection": ["title", "options"]}


def english_from_base(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("tracker", model_name)
        model.objects.update(**{f"{field}_en": F(field) for field in fields})


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0018_push"),
    ]

    operations = [
        migrations.AddField(
            model_name="odisection",
            name="options_en",
            field=models.JSONField(
                help_text="Six statements, scored 0 to 5 in this order.", null=True
            ),
        ),
        migrations.AddField(
            model_name="odisection",
            name="options_es",
            field=models.JSONField(
                help_text="Six statements, scored 0 to 5 in this order.", null=True
            ),
        ),
        migrations.AddField(
            model_name="odisection",
            name="title_en",
            field=models.CharField(
                max_length=100, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="odisection",
            name="title_es",
            field=models.CharField(
                max_length=100, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="screeningquestion",
            name="text_en",
            field=models.CharField(
                max_length=300, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.AddField(
            model_name="screeningquestion",
            name="text_es",
            field=models.CharField(
                max_length=300, null=True, validators=[config.validators.single_line]
            ),
        ),
        migrations.RunPython(english_from_base, migrations.RunPython.noop),
    ]
