"""docs/safety-texts.md is what the app says (SAFETY.md sections 2 and 5), in both languages,
for a clinician's review: it must not drift from the code, and no safety text may lack its
Spanish."""

from pathlib import Path

from django.utils import translation

from tracker.management.commands.safety_texts import document, sections

DOC = Path(__file__).resolve().parents[2] / "docs" / "safety-texts.md"


def test_the_document_is_what_the_app_says():
    assert DOC.read_text(encoding="utf-8") == document(), (
        "docs/safety-texts.md is out of date: run "
        "`.venv/bin/python manage.py safety_texts > docs/safety-texts.md` and have it reviewed"
    )


def test_every_safety_text_has_its_spanish():
    for _title, _where, rows in sections():
        for what, text in rows:
            with translation.override("en"):
                english = str(text)
            with translation.override("es"):
                spanish = str(text)
            assert spanish and spanish != english, what
