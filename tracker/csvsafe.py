"""The one rule every CSV the app writes goes through (OWASP, "CSV injection").

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and a leading
tab or carriage return can hide such a cell from a quick look. Every text cell that starts with
one of them is written with a single quote in front, which the spreadsheet shows as text.
Numbers stay numbers: int, float and Decimal values are written as they are, and so is text
that is exactly a negative number ("-3", "-2.5"), which a spreadsheet reads as that number and
nothing else. Use `writer(out)` instead of `csv.writer(out)`; `cell()` is the rule itself.
"""

import csv
import re
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(\.[0-9]+)?")


def cell(value):
    """`value` as it may go into a CSV cell: formula-looking text gets a leading quote."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _SafeWriter:
    """csv.writer whose every cell goes through `cell`."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> _SafeWriter:
    """A CSV writer on `out` (the arguments of `csv.writer`) that neutralises formula cells."""
    return _SafeWriter(out, **kwargs)
