"""Forms for the editors' admin: candidate photos, the results grid and the CSV upload."""

import base64
import copy

from django import forms
from django.core import signing

from candidates.importing import clarity
from candidates.models import Candidacy, Race, ReportingUnit, VoteCount
from candidates.results import final_refusal, precincts_in, race_results
from candidates.services import race_save_results
from civicsite.core.uploads import UploadedImageField

# PositiveIntegerField tops out here on PostgreSQL; a bigger figure is a typo, not a count,
# and must be a form error rather than a database error (a 500).
MAX_COUNT = 2_147_483_647

COUNT_ERRORS = {
    "invalid": "Enter a whole number (digits only, no commas).",
    "min_value": "Enter 0 or more; counts cannot be negative.",
    "max_value": "That number is too large to be a count.",
}


class CandidateAdminForm(forms.ModelForm):
    """The admin builds the fields (with its widgets); this form adds the photo rules.

    The photo goes through the site's upload checks (civicsite/core/uploads.py: size, pixels,
    format, full decode, re-encode, server-made name), like article figures.
    """

    photo = UploadedImageField(required=False)

    def clean(self):
        cleaned = super().clean()
        # A cleared photo arrives as False; a kept or new one as a file.
        if cleaned.get("photo") and not cleaned.get("photo_alt", "").strip():
            self.add_error(
                "photo_alt",
                "Describe the photo for readers who cannot see it (required with a photo).",
            )
        return cleaned


def count_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_COUNT,
        error_messages=COUNT_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "class": "vIntegerField"}),
    )


class ResultsGridForm(forms.Form):
    """Votes per candidacy and county, precincts reporting per county, and the race status.

    Rows are the race's candidacies in ballot order, columns its top-level reporting units
    (counties, or one "all counties combined" unit). A blank vote cell means "no figure yet"
    and removes a stored count; 0 is a real zero.
    """

    status = forms.ChoiceField(
        label="Race status",
        choices=Race.Status.choices,
        help_text="Counting while figures come in; unofficial final when every precinct has "
        "reported; certified once the county certifies.",
    )

    def __init__(self, *args, race, candidacies, units, **kwargs):
        self.race = race
        self.candidacies = list(candidacies)
        self.units = list(units)
        stored = {
            (vc.candidacy_id, vc.unit_id): vc.votes
            for vc in VoteCount.objects.filter(candidacy__race=race, unit__in=self.units)
        }
        initial = {"status": race.status}
        for unit in self.units:
            initial[self.reporting_key(unit)] = unit.precincts_reporting
        for candidacy in self.candidacies:
            for unit in self.units:
                initial[self.votes_key(candidacy, unit)] = stored.get((candidacy.pk, unit.pk))
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for candidacy in self.candidacies:
            for unit in self.units:
                self.fields[self.votes_key(candidacy, unit)] = count_field(
                    f"Votes for {candidacy.display_name} in {unit.name}"
                )
        for unit in self.units:
            self.fields[self.reporting_key(unit)] = count_field(
                f"Precincts reporting in {unit.name}"
            )

    @staticmethod
    def votes_key(candidacy, unit):
        return f"votes_{candidacy.pk}_{unit.pk}"

    @staticmethod
    def reporting_key(unit):
        return f"reporting_{unit.pk}"

    def rows(self):
        """(candidacy, [bound field per unit]) in ballot order."""
        return [
            (candidacy, [self[self.votes_key(candidacy, unit)] for unit in self.units])
            for candidacy in self.candidacies
        ]

    def rows_with_totals(self):
        """(candidacy, [bound field per unit], its total as shown), for the template."""
        return [
            (candidacy, fields, sum(self._shown_count(field.name) for field in fields))
            for candidacy, fields in self.rows()
        ]

    def reporting_fields(self):
        return [(unit, self[self.reporting_key(unit)]) for unit in self.units]

    def unit_totals(self):
        """(unit, votes in it) as the grid shows them now; the script keeps them up to date."""
        return [
            (
                unit,
                sum(self._shown_count(self.votes_key(c, unit)) for c in self.candidacies),
            )
            for unit in self.units
        ]

    def grand_total(self):
        return sum(total for _, total in self.unit_totals())

    def _shown_count(self, key):
        """The cell's figure as shown (typed, or stored), 0 when blank or not a count."""
        value = str(self[key].value() or "").strip()
        return int(value) if value.isascii() and value.isdigit() else 0

    def _units_as_saved(self):
        """The race's counties as this save would leave them (precincts reporting typed)."""
        units = []
        for unit in self.units:
            unit = copy.copy(unit)
            unit.precincts_reporting = self.cleaned_data.get(self.reporting_key(unit))
            units.append(unit)
        return units

    def preview(self):
        """The results as readers will see them once this grid is saved, from its figures:
        totals, shares, outcomes and the threshold sentence, decided by candidates/results.py
        as for the public page. Nothing is written. Valid forms only."""
        data = self.cleaned_data
        race = copy.copy(self.race)
        race.status = data["status"]
        race.top_units = self._units_as_saved()
        candidacies = list(
            Candidacy.objects.filter(race=self.race).with_call().select_related("candidate")
        )
        for candidacy in candidacies:
            candidacy.votes = sum(
                data.get(self.votes_key(candidacy, unit)) or 0 for unit in self.units
            )
        return race_results(race, candidacies)

    def every_precinct_in(self):
        """True when the grid's figures have every precinct of every county in, and the race
        could be marked final with them (candidates/results.py: precincts_in, final_refusal).
        Valid forms only."""
        units = self._units_as_saved()
        precincts = precincts_in(units)
        if not precincts or not precincts[1] or precincts[0] < precincts[1]:
            return False
        counties = [unit for unit in units if unit.kind == ReportingUnit.Kind.COUNTY]
        if any(unit.precincts_total is None for unit in counties):
            return False  # a county whose precinct count is not known cannot be "all in"
        return not final_refusal(self.race, units)

    def changes(self):
        """(what, before, after) for every figure or status this save changes, for the
        confirmation page; blank reads as "blank"."""
        changed = []
        for name in self.changed_data:
            field = self.fields[name]
            before, after = self.initial.get(name), self.cleaned_data.get(name)
            if name == "status":
                labels = dict(Race.Status.choices)
                before, after = labels.get(before, before), labels.get(after, after)
            if before != after:
                changed.append((field.label, _figure(before), _figure(after)))
        return changed

    def clean(self):
        cleaned = super().clean()
        for unit in self.units:
            key = self.reporting_key(unit)
            reporting = cleaned.get(key)
            if (
                reporting is not None
                and unit.precincts_total is not None
                and reporting > unit.precincts_total
            ):
                self.add_error(
                    key,
                    f"{unit.name} has {unit.precincts_total} precincts; "
                    f"{reporting} cannot be reporting.",
                )
        if cleaned.get("status") in Race.FINAL_STATUSES:
            # The counties as this save would leave them (candidates/results.py, Coverage).
            units = [
                ReportingUnit(
                    kind=unit.kind,
                    name=unit.name,
                    precincts_reporting=cleaned.get(self.reporting_key(unit)),
                )
                for unit in self.units
            ]
            refusal = final_refusal(self.race, units)
            if refusal:
                self.add_error("status", f"{refusal}.")
        return cleaned

    def save(self, *, user=None):
        """Store every count of the grid at once: all of it or, on any error, none of it.

        candidates/services.py does the writing, with history rows naming ``user``.
        """
        data = self.cleaned_data
        return race_save_results(
            race=self.race,
            votes={
                (candidacy, unit): data.get(self.votes_key(candidacy, unit))
                for candidacy in self.candidacies
                for unit in self.units
            },
            reporting={unit: data.get(self.reporting_key(unit)) for unit in self.units},
            status=data["status"],
            user=user,
        )


def _figure(value):
    if value is None or value == "":
        return "blank"
    return f"{value:,}" if isinstance(value, int) else str(value)


class ResultsUploadForm(forms.Form):
    MAX_BYTES = 10 * 1024 * 1024

    file = forms.FileField(
        label="Results file (CSV or Clarity XML/zip)",
        help_text="An OpenElections-style CSV (UTF-8) or a Clarity detail.xml or "
        "detailxml.zip, up to 10 MB. Nothing is saved until you confirm the preview.",
    )
    create = forms.BooleanField(
        label="Create missing races, candidates and counties",
        required=False,
        help_text="Leave unticked to have rows for unknown races or candidates reported as "
        "problems instead.",
    )

    def clean_file(self):
        """The file's text (CSV), or its bytes for a Clarity export (XML or zip)."""
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; split it by race.")
        raw = upload.read()
        if clarity.looks_like_clarity(raw):
            return raw
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise forms.ValidationError(
                f"line {line}: the file is not UTF-8 text; save it as CSV UTF-8 and try again."
            ) from exc
        if "\x00" in text:
            raise forms.ValidationError("The file contains NUL bytes; it is not a CSV file.")
        if not text.strip():
            raise forms.ValidationError("The file is empty.")
        return text


class ResultsConfirmForm(forms.Form):
    """Step 2: the CSV that was previewed, carried back signed so it cannot be swapped."""

    SALT = "candidates.results-upload"
    MAX_AGE = 60 * 60  # an hour to read the preview and confirm

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, election, user, **kwargs):
        self.election, self.user = election, user
        super().__init__(*args, **kwargs)

    @classmethod
    def sign(cls, *, text, create, election, user):
        """``text``: a CSV's text, or a Clarity export's bytes (carried as base64)."""
        binary = isinstance(text, bytes)
        return signing.dumps(
            {
                "text": base64.b64encode(text).decode() if binary else text,
                "binary": binary,
                "create": create,
                "election": election.pk,
                "user": user.pk,
            },
            salt=cls.SALT,
            compress=True,
        )

    def clean_payload(self):
        try:
            data = signing.loads(self.cleaned_data["payload"], salt=self.SALT, max_age=self.MAX_AGE)
        except signing.SignatureExpired as exc:
            raise forms.ValidationError("The preview is over an hour old; upload again.") from exc
        except signing.BadSignature as exc:
            raise forms.ValidationError("The upload could not be verified; upload again.") from exc
        if data.get("election") != self.election.pk or data.get("user") != self.user.pk:
            raise forms.ValidationError("This preview belongs to another upload; upload again.")
        if data.get("binary"):
            data["text"] = base64.b64decode(data["text"])
        return data
