"""Bring the role groups (Contributor, Editor, Data editor) in step with civicsite/roles.py.

Why this command exists: the groups are created by a data migration, but permissions of a
model added later exist only once that model is migrated. After adding a model's permissions
to ``civicsite.roles.ROLES``, run ``manage.py sync_roles`` (deploys may run it after
``migrate``; it changes nothing when the groups already match). ``--dry-run`` shows what
would change without saving it.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from civicsite.roles import sync_roles


class Command(BaseCommand):
    help = "Create the role groups and set their permissions to those in civicsite/roles.py."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change, save nothing."
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            report = sync_roles()
            if options["dry_run"]:
                transaction.set_rollback(True)
        missing = {name: lines["missing"] for name, lines in report.items() if lines["missing"]}
        verbosity = options["verbosity"]
        if verbosity >= 1:
            prefix = "Would change" if options["dry_run"] else "Changed"
            for name, lines in report.items():
                if not lines["added"] and not lines["removed"]:
                    self.stdout.write(f"{name}: up to date.")
                    continue
                self.stdout.write(
                    f"{prefix} {name}: {len(lines['added'])} added, "
                    f"{len(lines['removed'])} removed."
                )
                if verbosity >= 2:
                    for permission in lines["added"]:
                        self.stdout.write(f"  + {permission}")
                    for permission in lines["removed"]:
                        self.stdout.write(f"  - {permission}")
        if missing:
            listed = "; ".join(f"{name}: {', '.join(perms)}" for name, perms in missing.items())
            raise CommandError(
                f"Unknown permissions in civicsite/roles.py (skipped): {listed}. "
                "Check the spelling, or run migrate first."
            )
