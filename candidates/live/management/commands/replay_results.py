"""Replay a stored election night, step by step: ``manage.py replay_results --election SLUG``.

Why this command exists: the desk rehearses before the night that matters. A replay feeds the
files an election's sources brought, in their order, through the same staging as a live pull
(normal changes reach the pages, a suspicious one is held for the desk to apply or reject),
with a TEST banner on every public page while it runs (candidates/live/replay.py). The demo's
"Rehearsal night" is made for it:

    manage.py replay_results --election rehearsal-2021-11-02-atlanta-municipal-general-election

``--speed 60`` (the default) plays an hour of the night in a minute; ``--interval 5`` waits 5
seconds between steps instead; ``--dry-run`` lists the steps and the waits without replaying.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from candidates.live.models import FeedSource
from candidates.live.replay import night_steps, plan_steps, replay_night, replay_refusal
from candidates.models import Election


class Command(BaseCommand):
    help = "Replay an election's stored results pulls in steps, with a TEST banner on the site."

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True, help="Slug of the election to replay.")
        parser.add_argument(
            "--speed",
            type=float,
            default=60.0,
            help="How many times faster than the night went (default 60: an hour a minute).",
        )
        parser.add_argument(
            "--interval", type=float, help="Seconds between steps, instead of --speed."
        )
        parser.add_argument("--source", type=int, help="Only this feed source's pulls (its id).")
        parser.add_argument(
            "--note", default="", help="Added to the TEST banner, e.g. who is rehearsing."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the steps and waits; replay nothing."
        )

    def handle(self, *args, **options):
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            raise CommandError(f"No election with the slug {options['election']!r}.")
        if options["speed"] <= 0 or (options["interval"] is not None and options["interval"] < 0):
            raise CommandError("--speed must be above 0 and --interval at least 0.")
        source = None
        if options["source"] is not None:
            source = FeedSource.objects.filter(pk=options["source"], election=election).first()
            if source is None:
                raise CommandError(f"The election has no feed source #{options['source']}.")
        refusal = replay_refusal(election)
        if refusal and not options["dry_run"]:
            raise CommandError(refusal)
        pulls = night_steps(election, source=source)
        if not pulls:
            raise CommandError(
                f"{election} has no stored pulls to replay (only pulls that brought a file "
                "are kept)."
            )
        steps = plan_steps(pulls, speed=options["speed"], interval=options["interval"])
        verbose = options["verbosity"] >= 1
        total = sum(step.wait for step in steps)
        if options["dry_run"]:
            for number, step in enumerate(steps, start=1):
                self.stdout.write(self.step_heading(number, len(steps), step))
            self.stdout.write(f"Dry run: {len(steps)} steps over {total:,.0f} s; nothing replayed.")
            return
        if verbose:
            self.stdout.write(
                f"Replaying {len(steps)} steps of {election} over {total:,.0f} s; the TEST "
                "banner is up until the replay ends."
            )
        clock = time.monotonic()
        results = replay_night(election=election, steps=steps, note=options["note"])
        for number, (step, result) in enumerate(zip(steps, results, strict=False), start=1):
            if verbose:
                self.stdout.write(self.step_heading(number, len(steps), step))
                stamp = timezone.localtime(result.pull.started_at)
                self.stdout.write(f"  {stamp:%H:%M:%S} {result.log_line()}")
        if verbose:
            self.stdout.write(
                f"Replay done in {time.monotonic() - clock:,.1f} s; the TEST banner is down."
            )

    def step_heading(self, number, count, step):
        when = timezone.localtime(step.pull.started_at)
        return (
            f"Step {number} of {count}: {step.pull.source.name}, as pulled {when:%Y-%m-%d %H:%M} "
            f"({step.pull.get_status_display().lower()} then), after {step.wait:,.1f} s"
        )
