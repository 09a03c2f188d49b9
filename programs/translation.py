"""Program content in English and Spanish (django-modeltranslation): each field below gets
<field>_en and <field>_es columns; reading <field> gives the active language's text, or the
English when the Spanish is empty (`manage.py program_translation_status` lists those).
Program files carry both (`<field>_es` keys, see programs/loaders.py); the admin edits both side
by side. Codes, sources and citations stay single-language."""

from modeltranslation.translator import TranslationOptions, register

from .models import Block, Exercise, Phase, Prescription, Program, ProgramVersion, SessionTemplate


@register(Exercise)
class ExerciseTranslation(TranslationOptions):
    fields = ("name", "equipment", "instructions", "safety_notes")


@register(Program)
class ProgramTranslation(TranslationOptions):
    fields = ("name", "summary")


@register(ProgramVersion)
class ProgramVersionTranslation(TranslationOptions):
    fields = ("notes",)


@register(Phase)
class PhaseTranslation(TranslationOptions):
    fields = ("name", "description")


@register(SessionTemplate)
class SessionTemplateTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Block)
class BlockTranslation(TranslationOptions):
    fields = ("notes",)


@register(Prescription)
class PrescriptionTranslation(TranslationOptions):
    fields = ("load", "cue")


def localized(path: str):
    """A query expression for a translated field reached through a model that is not
    translated itself (modeltranslation rewrites lookups only on the translated models'
    own querysets): `values(name=localized("phase__name"))` gives the active language's text,
    or the English when that is empty."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Coalesce, NullIf
    from django.utils.translation import get_language

    language = (get_language() or "en").split("-")[0]
    english = F(f"{path}_en")
    if language == "en":
        return english
    return Coalesce(NullIf(F(f"{path}_{language}"), Value("")), english, output_field=CharField())
