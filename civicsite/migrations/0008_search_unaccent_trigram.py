"""Search as voters type (issue 18): accents never matter, and names forgive typos.

On PostgreSQL:
- ``unaccent`` and ``pg_trgm`` (both trusted extensions: the database owner may create them).
- A text search configuration, ``civicsite_english``: english with ``unaccent`` before the
  stemmer, so "Bakhtiarí" and "Bakhtiari" give one lexeme in documents and in queries.
- The article and candidate documents (0004, 0005) are rebuilt with it by their triggers and
  recomputed once here; civicsite/search.py queries with the same configuration
  (SEARCH_CONFIG). The GIN index on the article column stays as it is.
pg_trgm's word similarity picks the names close to a mistyped one (search.close_candidates);
it reads the candidates table whole, as the name match already does (0005 says why an index
would not help), so no trigram index.

On SQLite nothing happens here: search folds accents with a Python function it registers
on each connection (search.register_sqlite_functions).
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

ARTICLE_DOCUMENT = (
    "setweight(to_tsvector('{config}'::regconfig, COALESCE({row}title, '')), 'A') || "
    "setweight(to_tsvector('{config}'::regconfig, COALESCE({row}dek, '')), 'B') || "
    "setweight(to_tsvector('{config}'::regconfig, COALESCE({row}body, '')), 'C')"
)
CANDIDATE_DOCUMENT = (
    "setweight(to_tsvector('{config}'::regconfig, COALESCE({row}name, '')), 'A') || "
    "setweight(to_tsvector('{config}'::regconfig, COALESCE({row}ballot_name, '')), 'A') || "
    "setweight(to_tsvector('{config}'::regconfig, COALESCE({row}bio, '')), 'C')"
)


def documents(config):
    """The two trigger functions and a recomputation of every stored document."""
    return f"""
CREATE OR REPLACE FUNCTION civicsite_article_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_document := {ARTICLE_DOCUMENT.format(row="NEW.", config=config)};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
UPDATE articles_article SET search_document = {ARTICLE_DOCUMENT.format(row="", config=config)};
CREATE OR REPLACE FUNCTION civicsite_candidate_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_document := {CANDIDATE_DOCUMENT.format(row="NEW.", config=config)};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
UPDATE candidates_candidate
    SET search_document = {CANDIDATE_DOCUMENT.format(row="", config=config)};
"""


FORWARD = (
    """
DROP TEXT SEARCH CONFIGURATION IF EXISTS civicsite_english;
CREATE TEXT SEARCH CONFIGURATION civicsite_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION civicsite_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""
    + documents("civicsite_english")
)

BACKWARD = documents("english") + "DROP TEXT SEARCH CONFIGURATION IF EXISTS civicsite_english;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("civicsite", "0007_site_pages")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(forward, backward),
    ]
