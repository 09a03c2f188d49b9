"""A small reader of gettext catalogues (normalised by msgcat first), enough to compare the
msgids of two catalogues and find empty or fuzzy entries."""

import ast
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


MSGCAT = shutil.which("msgcat") or "msgcat"
MSGFMT = shutil.which("msgfmt") or "msgfmt"


def have_gettext() -> bool:
    return shutil.which("msgcat") is not None and shutil.which("msgfmt") is not None


def read(path: Path) -> list[Entry]:
    text = subprocess.run(
        [MSGCAT, "--no-wrap", "--no-location", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    entries, current, last = [], Entry(), None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current.msgid or current.msgstr:
                entries.append(current)
            current, last = Entry(), None
            continue
        if line.startswith("#~"):
            current.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#,"):
            current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if last == "msgstr":
                current.msgstr[-1] += value
            else:
                setattr(current, last, getattr(current, last) + value)
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword.startswith("msgstr"):
            current.msgstr.append(value)
            last = "msgstr"
        else:
            setattr(current, keyword, value)
            last = keyword
    return [e for e in entries if e.msgid or e.msgctxt]  # the header has an empty msgid
