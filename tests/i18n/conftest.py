from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "locale").glob("**/LC_MESSAGES/django.po"))


def _stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


@pytest.fixture(scope="session", autouse=True)
def spanish_compiled():
    """`make test` compiles the catalogues; a bare pytest run gets them compiled here."""
    from .pofile import have_gettext

    if have_gettext() and any(_stale(po) for po in CATALOGUES):
        from django.core.management import call_command

        call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
