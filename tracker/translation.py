"""The screen's questions and the ODI wording in English and Spanish (django-modeltranslation,
as programs/translation.py): admins edit both side by side; an empty Spanish text falls back to
the English."""

from modeltranslation.translator import TranslationOptions, register

from .models import OdiSection, ScreeningQuestion


@register(ScreeningQuestion)
class ScreeningQuestionTranslation(TranslationOptions):
    fields = ("text",)


@register(OdiSection)
class OdiSectionTranslation(TranslationOptions):
    fields = ("title", "options")
