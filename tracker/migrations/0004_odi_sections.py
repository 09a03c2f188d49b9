"""Oswestry Disability Index sections as data. The official statements are copyrighted; these
are short paraphrases (marked as such) that an admin may replace with the licensed wording.
Option i of each section scores i (0 = no difficulty ... 5 = worst)."""

from django.db import migrations

SECTIONS = [
    ("Pain intensity", [
        "I have no pain right now",
        "My pain is very mild right now",
        "My pain is moderate right now",
        "My pain is fairly severe right now",
        "My pain is very severe right now",
        "My pain is the worst I can imagine right now",
    ], False),
    ("Personal care (washing, dressing)", [
        "I look after myself normally without extra pain",
        "I look after myself normally but it is painful",
        "Looking after myself is painful and I am slow and careful",
        "I need some help but manage most of my personal care",
        "I need help every day with most of my personal care",
        "I do not get dressed, wash with difficulty and stay in bed",
    ], False),
    ("Lifting", [
        "I can lift heavy things without extra pain",
        "I can lift heavy things but it gives extra pain",
        "Pain stops me lifting heavy things off the floor, but I manage if they are placed well",
        "Pain stops me lifting heavy things, but I manage light to medium things placed well",
        "I can lift only very light things",
        "I cannot lift or carry anything",
    ], False),
    ("Walking", [
        "Pain does not stop me walking any distance",
        "Pain stops me walking more than about 1.5 km",
        "Pain stops me walking more than about 500 m",
        "Pain stops me walking more than about 100 m",
        "I can only walk with a stick or crutches",
        "I am in bed most of the time",
    ], False),
    ("Sitting", [
        "I can sit in any chair as long as I like",
        "I can sit in my favourite chair as long as I like",
        "Pain stops me sitting more than an hour",
        "Pain stops me sitting more than half an hour",
        "Pain stops me sitting more than ten minutes",
        "Pain stops me sitting at all",
    ], False),
    ("Standing", [
        "I can stand as long as I want without extra pain",
        "I can stand as long as I want but it gives extra pain",
        "Pain stops me standing more than an hour",
        "Pain stops me standing more than half an hour",
        "Pain stops me standing more than ten minutes",
        "Pain stops me standing at all",
    ], False),
    ("Sleeping", [
        "My sleep is never disturbed by pain",
        "My sleep is occasionally disturbed by pain",
        "Because of pain I sleep less than 6 hours",
        "Because of pain I sleep less than 4 hours",
        "Because of pain I sleep less than 2 hours",
        "Pain stops me sleeping at all",
    ], False),
    ("Sex life (if applicable)", [
        "My sex life is normal and causes no extra pain",
        "My sex life is normal but causes some extra pain",
        "My sex life is nearly normal but very painful",
        "My sex life is severely limited by pain",
        "My sex life is nearly absent because of pain",
        "Pain prevents any sex life at all",
    ], True),
    ("Social life", [
        "My social life is normal and gives me no extra pain",
        "My social life is normal but increases my pain",
        "Pain limits only my more energetic interests, such as sport",
        "Pain has restricted my social life and I go out less often",
        "Pain has restricted my social life to my home",
        "I have no social life because of pain",
    ], False),
    ("Travelling", [
        "I can travel anywhere without pain",
        "I can travel anywhere but it gives extra pain",
        "Pain is bad but I manage journeys over two hours",
        "Pain restricts me to journeys of less than an hour",
        "Pain restricts me to short necessary journeys under 30 minutes",
        "Pain prevents me from travelling except for treatment",
    ], False),
]


def add_sections(apps, schema_editor):
    Section = apps.get_model("tracker", "OdiSection")
    for number, (title, options, may_decline) in enumerate(SECTIONS, start=1):
        Section.objects.update_or_create(
            number=number,
            defaults={"title": title, "options": options, "may_decline": may_decline, "paraphrased": True},
        )


def remove_sections(apps, schema_editor):
    apps.get_model("tracker", "OdiSection").objects.filter(paraphrased=True).delete()


class Migration(migrations.Migration):
    dependencies = [("tracker", "0003_outcomes")]
    operations = [migrations.RunPython(add_sections, remove_sections)]
