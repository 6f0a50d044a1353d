"""Store each candidate's search document, so a search does not parse 2,000 biographies.

Before this, every search ran to_tsvector over the name, ballot name and biography of every
candidate (50 to 115 ms on the 2,000 seed_bench candidates, whatever the query). A tsvector
column kept up to date by a trigger, as for articles (0004), makes the match and the rank read
stored vectors (3 to 8 ms). The trigger covers every write path, including bulk inserts
and queryset updates that bypass save(), so a renamed candidate is found by the new name at
once.
The document is name and ballot name "A", biography "C"; civicsite/search.py reads the name
part back with ts_filter(..., '{a}') and the column by name (candidates/models.py stays free
of search).

No GIN index: the candidate search also matches part of a name (name ILIKE '%text%'), which a
tsvector index cannot answer, so PostgreSQL reads the whole table whichever index exists
(checked with EXPLAIN ANALYZE on the seed_bench data, even with enable_seqscan off). Reading
2,000 stored vectors is cheap; an index would only cost writes.
Nothing happens on SQLite, whose search fallback needs no stored document.
"""

from django.db import migrations

DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}ballot_name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}bio, '')), 'C')"
)

FORWARD = f"""
ALTER TABLE candidates_candidate ADD COLUMN IF NOT EXISTS search_document tsvector;
CREATE OR REPLACE FUNCTION civicsite_candidate_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_document := {DOCUMENT.format(row="NEW.")};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS civicsite_candidate_search_document ON candidates_candidate;
CREATE TRIGGER civicsite_candidate_search_document
    BEFORE INSERT OR UPDATE OF name, ballot_name, bio ON candidates_candidate
    FOR EACH ROW EXECUTE FUNCTION civicsite_candidate_search_document();
UPDATE candidates_candidate SET search_document = {DOCUMENT.format(row="")};
"""

BACKWARD = """
DROP TRIGGER IF EXISTS civicsite_candidate_search_document ON candidates_candidate;
DROP FUNCTION IF EXISTS civicsite_candidate_search_document();
ALTER TABLE candidates_candidate DROP COLUMN IF EXISTS search_document;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("civicsite", "0004_article_search_document"),
        ("candidates", "0003_edit_history_and_corrections"),
    ]

    operations = [migrations.RunPython(forward, backward)]
