from django.core.management.base import BaseCommand, CommandError

from programs.loaders import ProgramFileError, program_load, read_program_file, resolve_program_file


class Command(BaseCommand):
    help = (
        "Load a program file: the slug of a shipped program (e.g. aparicio2023) or a path. "
        "Idempotent: an unchanged file changes nothing; a changed one becomes a new draft version "
        "(published at once with --publish)."
    )

    def add_arguments(self, parser):
        parser.add_argument("program", help="slug of a shipped program, or a file path")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the loaded version if it is a draft (it becomes the current version)",
        )

    def handle(self, *args, program, publish=False, **options):
        try:
            result = program_load(read_program_file(resolve_program_file(program)), publish=publish)
        except ProgramFileError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        messages = {
            "unchanged": "already loaded as version {n}; nothing changed",
            "translated": "already loaded as version {n}; its Spanish was brought up to date",
            "published": "loaded and published as version {n}",
            "draft": "changed: loaded as draft version {n} (publish it in the admin)",
        }
        self.stdout.write(
            f"{result.program.slug}: "
            + messages[result.outcome].format(n=result.version.number)
            + f" (exercises: {result.exercises_created} new, {result.exercises_updated} updated)"
        )
