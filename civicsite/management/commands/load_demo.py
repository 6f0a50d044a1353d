"""Load the demo content: the Atlanta City Council District 5 races of 2017 and 2021.

Each app that has demo content provides ``<app>.demo.load(*, stdout)``; this command runs them
in dependency order inside one transaction. Every loader updates or creates by natural key, so
running the command twice leaves one copy of everything.
"""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Order matters: articles point at candidates, races and elections.
DEMO_MODULES = [
    "candidates.demo",
    "candidates.demo_guides",
    "articles.demo",
    "articles.events.demo",
    "candidates.live.demo",  # the rehearsal night: after candidates.demo (its race and people)
    "civicsite.demo",  # the About, Contact and Corrections policy pages
]


class Command(BaseCommand):
    help = "Load (or refresh) the demo content. Safe to run more than once."

    def handle(self, *args, **options):
        loaders = []
        for name in DEMO_MODULES:
            try:
                loaders.append(import_module(name))
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
        with transaction.atomic():
            for module in loaders:
                module.load(stdout=self.stdout, verbosity=options["verbosity"])
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS("Demo content loaded."))
