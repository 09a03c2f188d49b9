"""Is there English left on a page meant to be Spanish? Words that Spanish never uses, looked
for in the text a person reads (scripts, styles, templates for scripts and anything marked
lang="en", such as a citation, are left out)."""

import re
from html.parser import HTMLParser

ENGLISH = {
    "the", "your", "you", "and", "with", "this", "that", "for", "is", "are", "not", "was",
    "have", "will", "week", "weeks", "session", "sessions", "please", "today", "when",
    "what", "from", "logged", "yet", "there", "next", "back", "done", "skipped", "pain",
    "check", "save", "edit", "delete", "open", "close", "about", "program", "help", "more",
}  # fmt: skip
# A textarea holds data (the English beside the Spanish on an admin page), not interface text.
SKIP = {"script", "style", "template", "code", "pre", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # skipped?
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (
            bool(self.stack and self.stack[-1])
            or tag in SKIP
            or attrs.get("lang") == "en"
            # The admin shows a published version's fields as read-only text: the English
            # field's value is English data, not interface text; so is a `source` (a
            # citation, one language by design).
            or {"readonly", "field-source"} & set((attrs.get("class") or "").split())
            # ... and the English column of a field edited in both languages (name_en).
            or any(
                c.startswith("field-") and c.endswith("_en")
                for c in (attrs.get("class") or "").split()
            )
        )
        if not skipped:
            for name in ("aria-label", "title", "placeholder", "alt"):
                if attrs.get(name):
                    self.parts.append(attrs[name])
        if tag not in VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# Titles of instruments and publications, quoted as published in every language.
PROPER_NAMES = ["PARmed-X for Pregnancy", "Get Active Questionnaire for Pregnancy"]


def english_left(text: str) -> list[str]:
    """Snippets around each English word found."""
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    text = re.sub(r"https?://\S+", "", text)  # a link's path is not prose
    found = []
    for match in re.finditer(r"[A-Za-z]+", text):
        if match.group().lower() in ENGLISH:
            start, end = max(0, match.start() - 40), match.end() + 40
            found.append(text[start:end])
    return found
