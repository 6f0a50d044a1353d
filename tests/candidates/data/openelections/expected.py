"""What the OpenElections fixtures hold, counted with the csv module alone.

Run it (``python tests/candidates/data/openelections/expected.py``) to see, for each fixture,
the data rows read, the distinct offices with their districts, the distinct candidates as
printed and the votes per (party, candidate) in one or two named races. It imports nothing
from the project, so importer tests can compare against figures the importer did not make.
The output is kept at the bottom of this file.

Rules, kept simple on purpose:
- a row is any line after the header with a non-blank cell;
- a row's votes are its ``votes`` cell, or, in files without one, the sum of its ``*_votes``
  cells (Georgia's method columns);
- a row with a blank precinct is a county-total row; race totals count precinct rows only and
  the county-total rows are summed apart, so the two can be compared;
- in a file without a precinct column (county rows), a row whose county is "Statewide" is the
  state's total row, summed apart the same way;
- a count written as a decimal ("473.0", Iowa) is read as the whole number before the point.
"""

import csv
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent

# File -> the races to total: (office, district) exactly as printed.
FIXTURES = {
    "ga_2016_primary_president_glascock_precinct.csv": [("President", "")],
    "ga_2018_primary_glascock_precinct_trimmed.csv": [
        ("Governor", ""),
        ("State Representative, District 128", "128"),
    ],
    "ga_2022_special_state_house_45.csv": [("State House", "45")],
    "pa_2020_primary_forest_precinct_trimmed.csv": [("President", ""), ("State House", "65")],
    "pa_2020_general_cameron_precinct_trimmed.csv": [
        ("President", ""),
        ("State Representative", "67"),
    ],
    "tx_2022_general_armstrong_precinct_trimmed.csv": [("Governor", ""), ("U.S. House", "13")],
    "oh_2014_primary_dem_adams_precinct_trimmed.csv": [
        ("Governor/Lieutenant Governor", ""),
        ("U.S. House of Representatives", "02"),
    ],
    "ia_2012_general_adair_precinct_trimmed.csv": [
        ("President/Vice President", ""),
        ("State Representative", "20"),
    ],
    "wv_2020_general_county_president_trimmed.csv": [("President", "")],
}


def read(path):
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader)
        records = [record for record in reader if any(cell.strip() for cell in record)]
    # A ragged row (more or fewer cells than the header) would be a problem for the importer;
    # here it just keeps the cells that have a column name.
    rows = [dict(zip(header, record, strict=False)) for record in records]
    return header, rows


def count(cell):
    return int(cell.split(".")[0])


def votes(header, row):
    if "votes" in header:
        return count(row["votes"])
    return sum(count(row[column]) for column in header if column.endswith("_votes"))


def is_total_row(header, row):
    """A county-total row (blank precinct) or, in a county file, the state's total row."""
    precinct = next((c for c in header if c.lower() in ("precinct", "precinct name")), None)
    if precinct is not None:
        return not row[precinct].strip()
    county = next(c for c in header if c.lower() == "county")
    return row[county].strip().lower() == "statewide"


def describe(name, races):
    header, rows = read(HERE / name)
    offices = sorted({(row["office"], row.get("district", "")) for row in rows})
    candidates = sorted({row["candidate"] for row in rows if row["candidate"].strip()})
    print(f"== {name}")
    print(f"rows read: {len(rows)}")
    print(f"offices+districts: {len(offices)}")
    for office, district in offices:
        print(f"  {office} [{district}]")
    print(f"distinct candidates as printed: {len(candidates)}")
    for office, district in races:
        totals, county_totals, county_rows = defaultdict(int), defaultdict(int), 0
        for row in rows:
            if (row["office"], row.get("district", "")) != (office, district):
                continue
            key = (row["party"], row["candidate"])
            if not is_total_row(header, row):
                totals[key] += votes(header, row)
            else:
                county_totals[key] += votes(header, row)
                county_rows += 1
        print(f"race {office} [{district}], precinct rows:")
        for (party, candidate), total in sorted(totals.items()):
            print(f"  {party or '-'} | {candidate} | {total}")
        if county_totals:
            same = "equal to" if county_totals == totals else "DIFFERENT FROM"
            print(f"  county-total rows ({county_rows}) are {same} the precinct sums")
    print()


if __name__ == "__main__":
    for name, races in FIXTURES.items():
        describe(name, races)


# Output (python tests/candidates/data/openelections/expected.py):
#
# == ga_2016_primary_president_glascock_precinct.csv
# rows read: 85
# offices+districts: 1
#   President []
# distinct candidates as printed: 17
# race President [], precinct rows:
#   DEM | BERNIE SANDERS | 19
#   DEM | HILLARY CLINTON | 38
#   DEM | MARTIN O'MALLEY | 2
#   DEM | MICHAEL STEINBERG | 2
#   REP | BEN CARSON | 42
#   REP | CARLY FIORINA | 3
#   REP | CHRIS CHRISTIE | 1
#   REP | DONALD J. TRUMP | 405
#   REP | GEORGE PATAKI | 0
#   REP | JEB BUSH | 10
#   REP | JOHN R. KASICH | 10
#   REP | LINDSEY GRAHAM | 1
#   REP | MARCO RUBIO | 88
#   REP | MIKE HUCKABEE | 1
#   REP | RAND PAUL | 1
#   REP | RICK SANTORUM | 0
#   REP | TED CRUZ | 129
#   county-total rows (17) are equal to the precinct sums
#
# == ga_2018_primary_glascock_precinct_trimmed.csv
# rows read: 44
# offices+districts: 3
#   Attorney General []
#   Governor []
#   State Representative, District 128 [128]
# distinct candidates as printed: 11
# race Governor [], precinct rows:
#   DEM | STACEY ABRAMS  (DEM) | 22
#   DEM | STACEY EVANS  (DEM) | 27
#   REP | BRIAN KEMP  (REP) | 181
#   REP | CLAY TIPPINS  (REP) | 38
#   REP | HUNTER HILL  (REP) | 63
#   REP | L.S. "CASEY" CAGLE (REP) | 207
#   REP | MICHAEL WILLIAMS  (REP) | 18
# race State Representative, District 128 [128], precinct rows:
#   DEM | MACK JACKSON (I) (DEM) | 41
#   REP | JACKSON WILLIAMS  (REP) | 401
#
# == ga_2022_special_state_house_45.csv
# rows read: 56
# offices+districts: 1
#   State House [45]
# distinct candidates as printed: 4
# race State House [45], precinct rows:
#   Democrat | James Dustin McCormick | 2212
#   Republican | Darryl Wilson | 242
#   Republican | Mitchell Kaye | 2274
#   Republican | Pamela Alayon | 737
#
# == pa_2020_primary_forest_precinct_trimmed.csv
# rows read: 66
# offices+districts: 3
#   President []
#   State House [63]
#   State House [65]
# distinct candidates as printed: 11
# race President [], precinct rows:
#   Democratic | BERNIE SANDERS | 9
#   Democratic | DONALD TRUMP | 11
#   Democratic | JOSEPH BIDEN | 95
#   Democratic | SCATTERED | 3
#   Democratic | TULSI GABBARD | 4
#   Republican | BILL WELD | 8
#   Republican | DONALD J. TRUMP | 239
#   Republican | JOSEPH BIDEN | 1
#   Republican | ROQUE ROCKY DE LA FUENTE | 3
#   Republican | SCATTERED | 7
# race State House [65], precinct rows:
#   Democratic | KATHY RAPP | 14
#   Democratic | SCATTERED | 21
#   Republican | KATHY L. RAPP | 513
#   Republican | SCATTERED | 0
#
# == pa_2020_general_cameron_precinct_trimmed.csv
# rows read: 39
# offices+districts: 5
#   Ballots Cast []
#   Ballots Cast Blank []
#   President []
#   Registered Voters []
#   State Representative [67]
# distinct candidates as printed: 7
# race President [], precinct rows:
#   - | Overvotes | 1
#   - | Undervotes | 1
#   - | Write-In | 2
#   DEM | Biden / Harris | 129
#   LIB | Jorgensen / Cohen | 7
#   REP | Trump / Pence | 340
# race State Representative [67], precinct rows:
#   - | Martin T. Causer | 431
#   - | Overvotes | 0
#   - | Undervotes | 37
#   - | Write-In | 12
#
# == tx_2022_general_armstrong_precinct_trimmed.csv
# rows read: 39
# offices+districts: 6
#   Ballots Cast []
#   Ballots Cast - Blank []
#   Comm. General Land Office []
#   Governor []
#   Judge, Ct of Crim. Appeals, Pl 6 []
#   U.S. House [13]
# distinct candidates as printed: 11
# race Governor [], precinct rows:
#   DEM | Beto O'Rourke | 34
#   GRN | Delilah Barrios | 1
#   LIB | Mark Tippetts | 2
#   REP | Greg Abbott | 377
# race U.S. House [13], precinct rows:
#   DEM | Kathleen Brown | 30
#   REP | Ronny Jackson | 381
#
# == oh_2014_primary_dem_adams_precinct_trimmed.csv
# rows read: 33
# offices+districts: 7
#   Attorney General []
#   Auditor of State []
#   Governor/Lieutenant Governor []
#   Secretary of State []
#   State House of Representatives [90]
#   Treasurer of State []
#   U.S. House of Representatives [02]
# distinct candidates as printed: 11
# race Governor/Lieutenant Governor [], precinct rows:
#   D | Ealy, Larry | 13
#   D | FitzGerald, Edward | 56
# race U.S. House of Representatives [02], precinct rows:
#   D | Richards, Ronny | 35
#   D | Sheil, John | 9
#   D | Smith, William R. | 16
#   D | Tyszkiewicz, Marek | 13
#
# == ia_2012_general_adair_precinct_trimmed.csv
# rows read: 96
# offices+districts: 2
#   President/Vice President []
#   State Representative [20]
# distinct candidates as printed: 13
# race President/Vice President [], precinct rows:
#   - | Over Votes | 4
#   - | Under Votes | 20
#   - | Write-In | 31
#   Constitution | Virgil Goode James Clymer | 8
#   Democratic | Barack Obama Joe Biden | 1790
#   Iowa Green Party | Jill Stein Cheri Honkala | 9
#   Libertarian | Gary Johnson James P. Gray | 30
#   Nominated by Petition | Jerry Litzel Jim Litzel | 6
#   Party for Socialism and Liberation | Gloria LaRiva Stefanie Beacham | 3
#   Republican | Mitt Romney Paul Ryan | 2114
#   Socialist Workers Party | James Harris Alyson Kennedy | 5
#   county-total rows (11) are equal to the precinct sums
# race State Representative [20], precinct rows:
#   - | Over Votes | 4
#   - | Under Votes | 133
#   - | Write-In | 5
#   Democratic | Greg Nepstad | 1219
#   Republican | Clel Baudler | 2659
#   county-total rows (5) are equal to the precinct sums
#
# == wv_2020_general_county_president_trimmed.csv
# rows read: 224
# offices+districts: 1
#   President []
# distinct candidates as printed: 4
# race President [], precinct rows:
#   DEM | JOSEPH R. BIDEN | 235984
#   LBN | JO JORGENSEN | 10687
#   MTN | HOWIE HAWKINS | 2599
#   REP | DONALD J. TRUMP | 545382
#   county-total rows (4) are equal to the precinct sums
