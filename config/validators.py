"""Validators for free text, shared by every app (forms, serializers and model fields).

Single-line text (names, places, short reasons, search words) refuses every control character
(Unicode category Cc: line breaks, tabs, NUL, escape...) and the Unicode line and paragraph
separators, so stored text can never break an e-mail header, a CSV row or a log line.
Multi-line text (notes) keeps line breaks and tabs (\\n, \\r, \\t) and refuses the other control
characters, NUL among them (PostgreSQL cannot store it)."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ERR_SINGLE_LINE = _("Use a single line without control characters (such as line breaks or tabs).")
ERR_CONTROL = _(
    "Remove the control characters (such as a NUL character): only line breaks and tabs are "
    "allowed here."
)

LINE_BREAKS_AND_TABS = frozenset("\n\r\t")
_NOT_IN_ONE_LINE = frozenset({"Cc", "Zl", "Zp"})


def has_control_characters(value: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether `value` holds a control character (category Cc) other than those `allowed`."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)


def is_single_line(value: str) -> bool:
    return not any(unicodedata.category(ch) in _NOT_IN_ONE_LINE for ch in value)


def single_line(value) -> None:
    """For names, providers, reasons and search words: one line, no control characters."""
    if isinstance(value, str) and not is_single_line(value):
        raise ValidationError(ERR_SINGLE_LINE, code="single_line")


def multi_line(value) -> None:
    """For notes: line breaks and tabs are fine, other control characters (NUL...) are not."""
    if isinstance(value, str) and has_control_characters(value, allowed=LINE_BREAKS_AND_TABS):
        raise ValidationError(ERR_CONTROL, code="control_characters")


def one_line(value: str) -> str:
    """`value` made safe for one line (an e-mail header, a log line): each run of control
    characters and line separators becomes one space. For text already stored."""
    out, gap = [], False
    for ch in value:
        if unicodedata.category(ch) in _NOT_IN_ONE_LINE:
            gap = True
            continue
        if gap and out:
            out.append(" ")
        gap = False
        out.append(ch)
    return "".join(out)
