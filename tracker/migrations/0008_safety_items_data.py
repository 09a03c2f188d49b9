"""SAFETY.md section 4: the screen becomes the stricter of ACOG Committee Opinion 804 (2020)
and the 2019 Canadian guideline (Mottola et al., Table 2): an item is absolute if either
source lists it as absolute. Existing answers become safety items; the stored enrolment
status becomes items too (a pause), so the state can be derived from them.

A question that moved from relative to absolute keeps any recorded provider clearance and
is flagged for her PT's review."""

from django.db import migrations

ACOG = "ACOG Committee Opinion 804 (2020)"
CANADA = "Canadian guideline 2019 (Mottola et al., Table 2)"
BOTH = f"{ACOG}; {CANADA}"

# key, text, source, asked again at 26+0
ABSOLUTE = [
    ("ruptured_membranes", "Have your waters broken (ruptured membranes)?", BOTH, True),
    ("premature_labour", "Have you had premature labour in this pregnancy?", BOTH, True),
    ("persistent_bleeding", "Have you had unexplained vaginal bleeding that keeps coming back, in the second or third trimester?", BOTH, True),
    ("placenta_previa", "Have you been told your placenta is low-lying (placenta praevia), and are you past week 26?", BOTH, True),
    ("preeclampsia", "Do you have pre-eclampsia or high blood pressure caused by the pregnancy?", BOTH, False),
    ("incompetent_cervix", "Have you been told you have a weak cervix (incompetent cervix), or do you have a cerclage (stitch)?", BOTH, False),
    ("growth_restriction", "Has your baby been found to be growing too slowly (growth restriction)?", BOTH, False),
    ("multiples_preterm_risk", "Are you expecting triplets or more, or twins with a risk of premature labour?", BOTH, True),
    ("type1_diabetes", "Do you have type 1 diabetes that is not under control?", CANADA, False),
    ("hypertension", "Do you have high blood pressure that is not under control?", CANADA, False),
    ("hyperthyroidism", "Do you have thyroid disease that is not under control?", CANADA, False),
    ("heart_disease", "Do you have significant heart disease?", BOTH, False),
    ("restrictive_lung_disease", "Do you have restrictive lung disease?", BOTH, False),
    ("severe_anaemia", "Have you been told you have severe anaemia?", ACOG, False),
    ("serious_disorder", "Do you have another serious heart, lung or body-wide disorder?", CANADA, False),
]
RELATIVE = [
    ("recurrent_loss", "Have you had repeated pregnancy losses (miscarriages)?", CANADA, False),
    ("preterm_birth_history", "Have you had a baby born too early (spontaneous preterm birth) before?", CANADA, False),
    ("gestational_hypertension", "Have you been told you have high blood pressure in this pregnancy (gestational hypertension)?", CANADA, False),
    ("mild_heart_lung", "Do you have mild or moderate heart or lung disease?", CANADA, False),
    ("anaemia", "Do you have anaemia that gives you symptoms (tiredness, breathlessness)?", BOTH, False),
    ("arrhythmia", "Do you have an irregular heartbeat that has not been checked by a doctor?", BOTH, False),
    ("chronic_bronchitis", "Do you have chronic bronchitis?", ACOG, False),
    ("eating_disorder", "Do you have malnutrition or an eating disorder?", CANADA, False),
    ("twins_after_28", "Are you expecting twins and past week 28?", CANADA, True),
    ("weight_extremes", "Is your body weight very low, or do you have severe obesity?", BOTH, False),
    ("sedentary", "Have you had an extremely inactive (sedentary) life until now?", ACOG, False),
    ("orthopaedic", "Do you have a bone, joint or muscle problem that limits how you move?", ACOG, False),
    ("seizures", "Do you have seizures (epilepsy) that are poorly controlled?", ACOG, False),
    ("heavy_smoking", "Do you smoke heavily?", ACOG, False),
    ("other_condition", "Do you have another significant medical condition?", CANADA, False),
]
# Relative in the screen before this migration, absolute from now on.
MOVED_TO_ABSOLUTE = {"growth_restriction", "type1_diabetes", "hypertension", "hyperthyroidism"}
RETIRED = {"underweight": "weight_extremes", "morbid_obesity": "weight_extremes"}
SCREEN_PAUSE = "A new answer on the safety screen"


def forwards(apps, schema_editor):
    Question = apps.get_model("tracker", "ScreeningQuestion")
    Screening = apps.get_model("tracker", "Screening")
    Clearance = apps.get_model("tracker", "Clearance")
    Enrolment = apps.get_model("tracker", "Enrolment")
    Item = apps.get_model("tracker", "SafetyItem")
    Alert = apps.get_model("tracker", "Alert")
    Notification = apps.get_model("tracker", "Notification")
    CareLink = apps.get_model("users", "CareLink")

    order = 0
    for kind, rows in (("absolute", ABSOLUTE), ("relative", RELATIVE)):
        for key, text, source, rescreen in rows:
            order += 1
            Question.objects.update_or_create(
                key=key,
                defaults={
                    "text": text, "kind": kind, "order": order, "source": source,
                    "rescreen": rescreen, "active": True,
                },
            )  # fmt: skip
    Question.objects.filter(key__in=RETIRED).update(active=False)
    new_kind = dict(Question.objects.values_list("key", "kind"))

    def had_pt(client_id, at):
        return (
            CareLink.objects.filter(client_id=client_id, started_at__lte=at)
            .exclude(ended_at__lt=at)
            .exists()
        )

    for screening in Screening.objects.order_by("submitted_at", "pk"):
        for old_key in screening.positive_keys:
            key = RETIRED.get(old_key, old_key)
            kind = new_kind.get(key)
            if kind is None:
                continue
            if Item.objects.filter(client_id=screening.client_id, question_key=key).exists():
                continue  # answers are sticky: the first yes opened it
            clearance = (
                Clearance.objects.filter(
                    client_id=screening.client_id, recorded_at__gte=screening.submitted_at
                )
                .order_by("recorded_at")
                .first()
            )
            moved = old_key in MOVED_TO_ABSOLUTE
            Item.objects.create(
                client_id=screening.client_id, kind=kind, question_key=key,
                screening=screening, opened_at=screening.submitted_at,
                opened_by_id=screening.client_id,
                opened_with_pt=had_pt(screening.client_id, screening.submitted_at),
                needs_review=moved and clearance is not None,
                closed_at=clearance.recorded_at if clearance else None,
                closed_by_id=clearance.recorded_by_id if clearance else None,
                closed_how="clearance" if clearance else "",
                clearance=clearance,
            )  # fmt: skip

    for enrolment in Enrolment.objects.filter(status="paused"):
        if enrolment.pause_reason == SCREEN_PAUSE:
            continue  # the screen's own items hold her now
        Item.objects.create(
            client_id=enrolment.client_id, kind="pause", reason=enrolment.pause_reason,
            opened_at=enrolment.paused_at or enrolment.updated_at,
            opened_by_id=enrolment.paused_by_id or enrolment.client_id,
            opened_with_pt=had_pt(enrolment.client_id, enrolment.paused_at or enrolment.updated_at),
        )  # fmt: skip

    for alert in Alert.objects.select_related("session_log", "assessment"):
        if alert.session_log_id:
            alert.signs = list(alert.session_log.warning_signs)
        elif alert.assessment_id:
            alert.signs = [s for s in alert.assessment.symptoms if s == "weakness"]
        told = (
            Notification.objects.filter(
                about_client_id=alert.client_id, urgent=True, created_at__gte=alert.created_at
            )
            .order_by("created_at")
            .first()
        )
        alert.pt_id = told.recipient_id if told else None
        alert.save(update_fields=["signs", "pt"])


class Migration(migrations.Migration):
    dependencies = [("tracker", "0007_safety_items"), ("users", "0002_invitation")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
