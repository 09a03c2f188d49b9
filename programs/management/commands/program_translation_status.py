from django.core.management.base import BaseCommand, CommandError

from programs.selectors import untranslated_texts


class Command(BaseCommand):
    help = (
        "List program content (exercises, phases, sessions, blocks, doses, the screen's questions, "
        "the ODI wording...) that has no Spanish yet: pages show the English for those. Rows "
        "inside versions: each program's current version and drafts (--all-versions: every one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--language", default="es")
        parser.add_argument("--all-versions", action="store_true")
        parser.add_argument(
            "--check", action="store_true", help="exit with status 1 when anything is missing"
        )

    def handle(self, *args, language, all_versions, check, **options):
        missing = untranslated_texts(language=language, all_versions=all_versions)
        for row in missing:
            self.stdout.write(
                f"{row['model']} #{row['pk']}: {', '.join(row['fields'])}  (“{row['english']}”)"
            )
        if missing:
            summary = f"{len(missing)} row(s) fall back to English for {language}."
        else:
            summary = f"Every text has its {language} translation."
        self.stdout.write(summary)
        if missing and check:
            raise CommandError(summary)
