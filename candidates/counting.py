"""Each county while a race is counted: when its figures last changed, and when it went quiet.

Readers watching a count want to know how fresh each county's figures are ("Fulton, 3 of 8
precincts, as of 9:42 p.m.") and which county has stopped moving ("DeKalb: no update since
9:05 p.m."), as the big newsrooms' live pages say. The importer stamps the moment a county's
figures change (``stamp_changed_units``, called from candidates/importing/apply.py); a pull
that brings the same figures again leaves the stamp alone, so a quiet county stays quiet
however often the feed is polled. ``county_statuses`` words it for the pages and the JSON.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format

from candidates.models import ReportingUnit, VoteCount
from candidates.results import local_time


def stamp_changed_units(placed):
    """Set ``figures_changed_at`` on each county of an import whose votes or precincts
    reporting differ from what is stored (new counties too). ``placed`` is the importer's
    [(race, unit, county)], read before it writes: two queries to compare, one to stamp."""
    now = timezone.now()
    old = {unit.pk: (unit, county) for _, unit, county in placed if unit.pk}
    for _, unit, _ in placed:
        if not unit.pk:
            unit.figures_changed_at = now  # saved by the importer's bulk_create
    if not old:
        return
    stored_votes = {pk: {} for pk in old}
    for unit_id, candidacy_id, votes in VoteCount.objects.filter(unit__in=old).values_list(
        "unit_id", "candidacy_id", "votes"
    ):
        stored_votes[unit_id][candidacy_id] = votes
    stored_precincts = {
        pk: (reporting, total)
        for pk, reporting, total in ReportingUnit.objects.filter(pk__in=old).values_list(
            "pk", "precincts_reporting", "precincts_total"
        )
    }
    changed = []
    for pk, (unit, county) in old.items():
        votes = {candidacy.pk: count for candidacy, count, _, _ in county.votes.values()}
        precincts = (unit.precincts_reporting, unit.precincts_total)
        if votes != stored_votes[pk] or precincts != stored_precincts.get(pk):
            unit.figures_changed_at = now
            changed.append(pk)
    if changed:
        ReportingUnit.objects.filter(pk__in=changed).update(figures_changed_at=now)


@dataclass
class CountyStatus:
    """One county's freshness as readers see it while the race is live."""

    unit: ReportingUnit
    as_of: datetime.datetime | None
    quiet: bool = False

    @property
    def text(self):
        """ "as of 9:42 p.m.", "no update since 9:05 p.m." or "" (not live, or no time)."""
        if self.as_of is None:
            return ""
        when = local_time(self.as_of)
        if timezone.localdate(self.as_of) != timezone.localdate():
            when = f"{date_format(timezone.localtime(self.as_of), 'N j')}, {when}"
        return f"no update since {when}" if self.quiet else f"as of {when}"


def county_statuses(results, *, now=None):
    """A CountyStatus for each county of the race of ``results`` (RaceResults whose race has
    ``top_units``), in the page's order; all without a time once the race is not live.

    A county is quiet while the race counts, its precincts are not all in, and its figures
    have not changed for RESULTS_QUIET_MINUTES. A county the importer never stamped (results
    typed into the grid) is as of the race's last update.
    """
    race = results.race
    counties = [unit for unit in race.top_units if unit.kind == ReportingUnit.Kind.COUNTY]
    if not results.is_live:
        return [CountyStatus(unit=unit, as_of=None) for unit in counties]
    now = now or timezone.now()
    quiet_after = datetime.timedelta(minutes=settings.RESULTS_QUIET_MINUTES)
    statuses = []
    for unit in counties:
        as_of = unit.figures_changed_at or race.results_updated_at
        incomplete = unit.precincts_total is None or (
            (unit.precincts_reporting or 0) < unit.precincts_total
        )
        quiet = bool(
            as_of
            and results.has_votes
            and results.state.is_counting
            and incomplete
            and now - as_of >= quiet_after
        )
        statuses.append(CountyStatus(unit=unit, as_of=as_of, quiet=quiet))
    return statuses
