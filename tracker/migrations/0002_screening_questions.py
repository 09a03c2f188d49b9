"""The pre-participation screen from ACOG Committee Opinion 804 (2020) and the 2019 Canadian
guideline, as data that admins can edit. Wording is plain-language; keys are stable."""

from django.db import migrations

ABSOLUTE = [
    ("heart_disease", "Do you have heart disease that affects your circulation (hemodynamically significant)?"),
    ("restrictive_lung_disease", "Do you have restrictive lung disease?"),
    ("incompetent_cervix", "Have you been told you have an incompetent cervix, or do you have a cerclage (stitch)?"),
    ("multiples_preterm_risk", "Are you expecting twins or more with a risk of premature labour?"),
    ("persistent_bleeding", "Have you had persistent bleeding in the second or third trimester?"),
    ("placenta_previa", "Have you been told you have placenta previa, and are you past week 26?"),
    ("premature_labour", "Have you had premature labour during this pregnancy?"),
    ("ruptured_membranes", "Have your waters broken (ruptured membranes)?"),
    ("preeclampsia", "Do you have pre-eclampsia or pregnancy-induced high blood pressure?"),
    ("severe_anaemia", "Have you been told you have severe anaemia?"),
]
RELATIVE = [
    ("anaemia", "Have you been told you have anaemia?"),
    ("arrhythmia", "Do you have an irregular heartbeat (arrhythmia) that has not been checked by a doctor?"),
    ("chronic_bronchitis", "Do you have chronic bronchitis?"),
    ("type1_diabetes", "Do you have type 1 diabetes that is poorly controlled?"),
    ("morbid_obesity", "Do you have extreme morbid obesity?"),
    ("underweight", "Are you extremely underweight (BMI under 12)?"),
    ("sedentary", "Have you had an extremely sedentary lifestyle until now?"),
    ("growth_restriction", "Has your baby been found to be growing too slowly in this pregnancy (fetal growth restriction)?"),
    ("hypertension", "Do you have high blood pressure that is poorly controlled?"),
    ("orthopaedic", "Do you have a bone, joint or muscle problem that limits how you can move (orthopaedic limitation)?"),
    ("seizures", "Do you have a seizure disorder that is poorly controlled?"),
    ("hyperthyroidism", "Do you have an overactive thyroid (hyperthyroidism) that is poorly controlled?"),
    ("heavy_smoking", "Do you smoke heavily?"),
]


def add_questions(apps, schema_editor):
    Question = apps.get_model("tracker", "ScreeningQuestion")
    order = 0
    for kind, rows in (("absolute", ABSOLUTE), ("relative", RELATIVE)):
        for key, text in rows:
            order += 1
            Question.objects.update_or_create(key=key, defaults={"text": text, "kind": kind, "order": order})


def remove_questions(apps, schema_editor):
    keys = [k for k, _ in ABSOLUTE + RELATIVE]
    apps.get_model("tracker", "ScreeningQuestion").objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]
    operations = [migrations.RunPython(add_questions, remove_questions)]
