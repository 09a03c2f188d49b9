"""The screen's questions and the ODI wording in Spanish (issue 18). A text is filled only
where the English is still the shipped one and no Spanish was written yet: an admin's own wording
is kept, and then falls back to English until someone translates it (`manage.py
program_translation_status` lists it). The ODI texts are the app's paraphrases in both
languages, not the validated Spanish ODI (Flórez García et al., 1995)."""

from django.db import migrations

# (key, shipped English, Spanish)
SCREENING = [
    (
        "ruptured_membranes",
        "Have your waters broken (ruptured membranes)?",
        "¿Has roto aguas (rotura de membranas)?",
    ),
    (
        "premature_labour",
        "Have you had premature labour in this pregnancy?",
        "¿Has tenido un trabajo de parto prematuro en este embarazo?",
    ),
    (
        "persistent_bleeding",
        "Have you had unexplained vaginal bleeding that keeps coming back, in the second or third trimester?",
        "¿Has tenido sangrado vaginal sin causa conocida que vuelve a aparecer, en el segundo o el tercer trimestre?",
    ),
    (
        "placenta_previa",
        "Have you been told your placenta is low-lying (placenta praevia), and are you past week 26?",
        "¿Te han dicho que tienes la placenta baja (placenta previa) y has pasado la semana 26?",
    ),
    (
        "preeclampsia",
        "Do you have pre-eclampsia or high blood pressure caused by the pregnancy?",
        "¿Tienes preeclampsia o tensión arterial alta causada por el embarazo?",
    ),
    (
        "incompetent_cervix",
        "Have you been told you have a weak cervix (incompetent cervix), or do you have a cerclage (stitch)?",
        "¿Te han dicho que tienes el cuello del útero débil (incompetencia cervical) o llevas un cerclaje (punto)?",
    ),
    (
        "growth_restriction",
        "Has your baby been found to be growing too slowly (growth restriction)?",
        "¿Han visto que tu bebé está creciendo demasiado despacio (restricción del crecimiento)?",
    ),
    (
        "multiples_preterm_risk",
        "Are you expecting triplets or more, or twins with a risk of premature labour?",
        "¿Esperas trillizos o más, o gemelos con riesgo de parto prematuro?",
    ),
    (
        "type1_diabetes",
        "Do you have type 1 diabetes that is not under control?",
        "¿Tienes diabetes tipo 1 que no está controlada?",
    ),
    (
        "hypertension",
        "Do you have high blood pressure that is not under control?",
        "¿Tienes tensión arterial alta que no está controlada?",
    ),
    (
        "hyperthyroidism",
        "Do you have thyroid disease that is not under control?",
        "¿Tienes una enfermedad del tiroides que no está controlada?",
    ),
    (
        "heart_disease",
        "Do you have significant heart disease?",
        "¿Tienes una enfermedad del corazón importante?",
    ),
    (
        "restrictive_lung_disease",
        "Do you have restrictive lung disease?",
        "¿Tienes una enfermedad pulmonar restrictiva?",
    ),
    (
        "severe_anaemia",
        "Have you been told you have severe anaemia?",
        "¿Te han dicho que tienes anemia grave?",
    ),
    ("morbid_obesity", "Do you have extreme morbid obesity?", "¿Tienes obesidad mórbida extrema?"),
    (
        "serious_disorder",
        "Do you have another serious heart, lung or body-wide disorder?",
        "¿Tienes otro trastorno grave del corazón, de los pulmones o que afecte a todo el cuerpo?",
    ),
    (
        "recurrent_loss",
        "Have you had repeated pregnancy losses (miscarriages)?",
        "¿Has tenido pérdidas de embarazo repetidas (abortos espontáneos)?",
    ),
    (
        "underweight",
        "Are you extremely underweight (BMI under 12)?",
        "¿Tienes un peso extremadamente bajo (IMC inferior a 12)?",
    ),
    (
        "preterm_birth_history",
        "Have you had a baby born too early (spontaneous preterm birth) before?",
        "¿Has tenido antes un bebé que naciera demasiado pronto (parto prematuro espontáneo)?",
    ),
    (
        "gestational_hypertension",
        "Have you been told you have high blood pressure in this pregnancy (gestational hypertension)?",
        "¿Te han dicho que tienes la tensión arterial alta en este embarazo (hipertensión gestacional)?",
    ),
    (
        "mild_heart_lung",
        "Do you have mild or moderate heart or lung disease?",
        "¿Tienes una enfermedad del corazón o de los pulmones leve o moderada?",
    ),
    (
        "anaemia",
        "Do you have anaemia that gives you symptoms (tiredness, breathlessness)?",
        "¿Tienes anemia que te causa síntomas (cansancio, falta de aire)?",
    ),
    (
        "arrhythmia",
        "Do you have an irregular heartbeat that has not been checked by a doctor?",
        "¿Tienes un latido del corazón irregular que no ha revisado un médico?",
    ),
    ("chronic_bronchitis", "Do you have chronic bronchitis?", "¿Tienes bronquitis crónica?"),
    (
        "eating_disorder",
        "Do you have malnutrition or an eating disorder?",
        "¿Tienes desnutrición o un trastorno de la conducta alimentaria?",
    ),
    (
        "twins_after_28",
        "Are you expecting twins and past week 28?",
        "¿Esperas gemelos y has pasado la semana 28?",
    ),
    (
        "weight_extremes",
        "Is your body weight very low, or do you have severe obesity?",
        "¿Tienes un peso corporal muy bajo o tienes obesidad grave?",
    ),
    (
        "sedentary",
        "Have you had an extremely inactive (sedentary) life until now?",
        "¿Has llevado hasta ahora una vida extremadamente inactiva (sedentaria)?",
    ),
    (
        "orthopaedic",
        "Do you have a bone, joint or muscle problem that limits how you move?",
        "¿Tienes algún problema de huesos, articulaciones o músculos que limite tus movimientos?",
    ),
    (
        "seizures",
        "Do you have seizures (epilepsy) that are poorly controlled?",
        "¿Tienes convulsiones (epilepsia) mal controladas?",
    ),
    ("heavy_smoking", "Do you smoke heavily?", "¿Fumas mucho?"),
    (
        "other_condition",
        "Do you have another significant medical condition?",
        "¿Tienes otra enfermedad importante?",
    ),
]

# (section, shipped title, Spanish title, shipped options, Spanish options)
ODI = [
    (
        1,
        "Pain intensity",
        "Intensidad del dolor",
        [
            "I have no pain right now",
            "My pain is very mild right now",
            "My pain is moderate right now",
            "My pain is fairly severe right now",
            "My pain is very severe right now",
            "My pain is the worst I can imagine right now",
        ],
        [
            "Ahora mismo no tengo dolor",
            "Ahora mismo mi dolor es muy leve",
            "Ahora mismo mi dolor es moderado",
            "Ahora mismo mi dolor es bastante intenso",
            "Ahora mismo mi dolor es muy intenso",
            "Ahora mismo mi dolor es el peor que puedo imaginar",
        ],
    ),
    (
        2,
        "Personal care (washing, dressing)",
        "Cuidado personal (asearse, vestirse)",
        [
            "I look after myself normally without extra pain",
            "I look after myself normally but it is painful",
            "Looking after myself is painful and I am slow and careful",
            "I need some help but manage most of my personal care",
            "I need help every day with most of my personal care",
            "I do not get dressed, wash with difficulty and stay in bed",
        ],
        [
            "Me ocupo de mí misma con normalidad sin dolor añadido",
            "Me ocupo de mí misma con normalidad, pero me duele",
            "Ocuparme de mí misma me duele y lo hago despacio y con cuidado",
            "Necesito algo de ayuda, pero me arreglo sola con la mayor parte de mi cuidado personal",
            "Necesito ayuda todos los días con la mayor parte de mi cuidado personal",
            "No me visto, me aseo con dificultad y me quedo en la cama",
        ],
    ),
    (
        3,
        "Lifting",
        "Levantar cosas",
        [
            "I can lift heavy things without extra pain",
            "I can lift heavy things but it gives extra pain",
            "Pain stops me lifting heavy things off the floor, but I manage if they are placed well",
            "Pain stops me lifting heavy things, but I manage light to medium things placed well",
            "I can lift only very light things",
            "I cannot lift or carry anything",
        ],
        [
            "Puedo levantar cosas pesadas sin dolor añadido",
            "Puedo levantar cosas pesadas, pero me produce dolor añadido",
            "El dolor me impide levantar cosas pesadas del suelo, pero puedo hacerlo si están bien colocadas",
            "El dolor me impide levantar cosas pesadas, pero puedo con cosas ligeras o medianas bien colocadas",
            "Solo puedo levantar cosas muy ligeras",
            "No puedo levantar ni llevar nada",
        ],
    ),
    (
        4,
        "Walking",
        "Caminar",
        [
            "Pain does not stop me walking any distance",
            "Pain stops me walking more than about 1.5 km",
            "Pain stops me walking more than about 500 m",
            "Pain stops me walking more than about 100 m",
            "I can only walk with a stick or crutches",
            "I am in bed most of the time",
        ],
        [
            "El dolor no me impide caminar, sea cual sea la distancia",
            "El dolor me impide caminar más de 1,5 km aproximadamente",
            "El dolor me impide caminar más de 500 m aproximadamente",
            "El dolor me impide caminar más de 100 m aproximadamente",
            "Solo puedo caminar con bastón o muletas",
            "Estoy en la cama la mayor parte del tiempo",
        ],
    ),
    (
        5,
        "Sitting",
        "Estar sentada",
        [
            "I can sit in any chair as long as I like",
            "I can sit in my favourite chair as long as I like",
            "Pain stops me sitting more than an hour",
            "Pain stops me sitting more than half an hour",
            "Pain stops me sitting more than ten minutes",
            "Pain stops me sitting at all",
        ],
        [
            "Puedo estar sentada en cualquier silla todo el tiempo que quiera",
            "Puedo estar sentada en mi silla favorita todo el tiempo que quiera",
            "El dolor me impide estar sentada más de una hora",
            "El dolor me impide estar sentada más de media hora",
            "El dolor me impide estar sentada más de diez minutos",
            "El dolor me impide estar sentada, por poco que sea",
        ],
    ),
    (
        6,
        "Standing",
        "Estar de pie",
        [
            "I can stand as long as I want without extra pain",
            "I can stand as long as I want but it gives extra pain",
            "Pain stops me standing more than an hour",
            "Pain stops me standing more than half an hour",
            "Pain stops me standing more than ten minutes",
            "Pain stops me standing at all",
        ],
        [
            "Puedo estar de pie todo el tiempo que quiera sin dolor añadido",
            "Puedo estar de pie todo el tiempo que quiera, pero me produce dolor añadido",
            "El dolor me impide estar de pie más de una hora",
            "El dolor me impide estar de pie más de media hora",
            "El dolor me impide estar de pie más de diez minutos",
            "El dolor me impide estar de pie, por poco que sea",
        ],
    ),
    (
        7,
        "Sleeping",
        "Dormir",
        [
            "My sleep is never disturbed by pain",
            "My sleep is occasionally disturbed by pain",
            "Because of pain I sleep less than 6 hours",
            "Because of pain I sleep less than 4 hours",
            "Because of pain I sleep less than 2 hours",
            "Pain stops me sleeping at all",
        ],
        [
            "El dolor nunca me altera el sueño",
            "El dolor me altera el sueño de vez en cuando",
            "Por el dolor duermo menos de 6 horas",
            "Por el dolor duermo menos de 4 horas",
            "Por el dolor duermo menos de 2 horas",
            "El dolor no me deja dormir nada",
        ],
    ),
    (
        8,
        "Sex life (if applicable)",
        "Vida sexual (si procede)",
        [
            "My sex life is normal and causes no extra pain",
            "My sex life is normal but causes some extra pain",
            "My sex life is nearly normal but very painful",
            "My sex life is severely limited by pain",
            "My sex life is nearly absent because of pain",
            "Pain prevents any sex life at all",
        ],
        [
            "Mi vida sexual es normal y no me produce dolor añadido",
            "Mi vida sexual es normal, pero me produce algo de dolor añadido",
            "Mi vida sexual es casi normal, pero muy dolorosa",
            "Mi vida sexual está muy limitada por el dolor",
            "Mi vida sexual es casi inexistente por el dolor",
            "El dolor me impide tener vida sexual",
        ],
    ),
    (
        9,
        "Social life",
        "Vida social",
        [
            "My social life is normal and gives me no extra pain",
            "My social life is normal but increases my pain",
            "Pain limits only my more energetic interests, such as sport",
            "Pain has restricted my social life and I go out less often",
            "Pain has restricted my social life to my home",
            "I have no social life because of pain",
        ],
        [
            "Mi vida social es normal y no me produce dolor añadido",
            "Mi vida social es normal, pero me aumenta el dolor",
            "El dolor solo limita mis actividades más enérgicas, como el deporte",
            "El dolor ha limitado mi vida social y salgo menos",
            "El dolor ha reducido mi vida social a mi casa",
            "No tengo vida social por el dolor",
        ],
    ),
    (
        10,
        "Travelling",
        "Viajar",
        [
            "I can travel anywhere without pain",
            "I can travel anywhere but it gives extra pain",
            "Pain is bad but I manage journeys over two hours",
            "Pain restricts me to journeys of less than an hour",
            "Pain restricts me to short necessary journeys under 30 minutes",
            "Pain prevents me from travelling except for treatment",
        ],
        [
            "Puedo viajar a cualquier sitio sin dolor",
            "Puedo viajar a cualquier sitio, pero me produce dolor añadido",
            "El dolor es fuerte, pero aguanto trayectos de más de dos horas",
            "El dolor me limita a trayectos de menos de una hora",
            "El dolor me limita a trayectos cortos y necesarios de menos de 30 minutos",
            "El dolor me impide viajar, salvo para recibir tratamiento",
        ],
    ),
]


def add_spanish(apps, schema_editor):
    Question = apps.get_model("tracker", "ScreeningQuestion")
    for key, english, spanish in SCREENING:
        Question.objects.filter(key=key, text_en=english, text_es__isnull=True).update(
            text_es=spanish
        )
        Question.objects.filter(key=key, text_en=english, text_es="").update(text_es=spanish)
    Section = apps.get_model("tracker", "OdiSection")
    for number, title, title_es, options, options_es in ODI:
        section = Section.objects.filter(number=number).first()
        if section is None or section.title_en != title or section.options_en != options:
            continue
        if not section.title_es:
            section.title_es = title_es
        if not section.options_es:
            section.options_es = options_es
        section.save(update_fields=["title_es", "options_es"])


class Migration(migrations.Migration):
    dependencies = [("tracker", "0019_translations")]
    operations = [migrations.RunPython(add_spanish, migrations.RunPython.noop)]
