"""Races as the admin names them: "Atlanta City Council District 5 — Atlanta municipal general
election (Nov. 7, 2017)", in every place an editor picks or filters by a race.

``Race.__str__`` is the race's slug, built from its own fields (STYLE.md: a ``__str__`` that
follows relations costs a query per row). A slug does not tell the 2013, 2017 and 2021 races for
the same seat apart, so the admin names a race by its office, election and date instead, read
from a queryset that joins both (``RACE_LABEL_RELATIONS``): a picker or a filter is one query
however many races it lists. A label stored on the race would save the join but go stale when
an office or an election is renamed, and need a migration; the join costs nothing measurable.

Used by the race pickers (``RacePickersMixin`` for model admins, ``use_race_labels`` for a form
field), the autocomplete results (``RaceAdmin.autocomplete_label``, read by the site's
autocomplete view in civicsite/admin_site.py) and ``RaceListFilter``.
"""

from django.contrib import admin
from django.utils.dateformat import format as date_format

from candidates.models import Race

RACE_LABEL_RELATIONS = ("office", "election")


def race_label(race):
    """The race's office (and primary), its election and the election's date; the race and its
    ``RACE_LABEL_RELATIONS`` must be loaded together."""
    election = race.election
    return f"{race.heading} — {election.name} ({date_format(election.date, 'N j, Y')})"


def labelled_races(queryset=None):
    queryset = Race.objects.all() if queryset is None else queryset
    return queryset.select_related(*RACE_LABEL_RELATIONS)


def use_race_labels(field):
    """Make a race form field (a choice of one or several races) list its races by
    ``race_label``, loaded in one query."""
    field.queryset = labelled_races(field.queryset)
    field.label_from_instance = race_label
    return field


class RacePickersMixin:
    """For a ModelAdmin or inline: every race field (select, autocomplete, several races) of
    its form names its races by ``race_label``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return use_race_labels(field) if _picks_races(db_field, field) else field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return use_race_labels(field) if _picks_races(db_field, field) else field


def _picks_races(db_field, field):
    return field is not None and db_field.related_model is Race


class RaceListFilter(admin.RelatedOnlyFieldListFilter):
    """Filter a changelist by race (``list_filter = [("races", RaceListFilter)]``): only the
    races its rows point at, by ``race_label``, in one query."""

    def field_choices(self, field, request, model_admin):
        used = (
            model_admin.get_queryset(request)
            .distinct()
            .values_list(f"{self.field_path}__pk", flat=True)
        )
        races = labelled_races(Race.objects.filter(pk__in=used)).order_by(
            "-election__date", "office__name", "party"
        )
        return [(race.pk, race_label(race)) for race in races]
