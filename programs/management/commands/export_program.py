from django.core.management.base import BaseCommand, CommandError

from programs.loaders import dump_program, program_export
from programs.models import Program
from programs.selectors import current_version


class Command(BaseCommand):
    help = "Write a program version (default: the current one) to stdout in the load format."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--number", type=int, help="version number (default: the current one)")

    def handle(self, *args, slug, number=None, **options):
        program = Program.objects.filter(slug=slug).first()
        if program is None:
            raise CommandError(f"No program “{slug}”.")
        if number is None:
            version = current_version(program=program)
        else:
            version = program.versions.filter(number=number).first()
        if version is None:
            raise CommandError(f"{slug} has no such version.")
        self.stdout.write(dump_program(program_export(program=program, version=version)), ending="")
