"""Store each article's search document, so ranking does not re-read every matching body.

With only an expression index, PostgreSQL finds matches from the index but has to run
to_tsvector over each matching article again to rank it (seconds for a common word over
20,000 articles). A tsvector column kept up to date by a trigger costs one column and makes
ranking read stored vectors (milliseconds). The trigger covers every write path, including
bulk inserts and updates that bypass Django's save(). Django does not know the column
(articles/models.py stays free of search); civicsite/search.py reads it by name.
Nothing happens on SQLite, whose search fallback needs no index.
"""

from django.db import migrations

DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}dek, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}body, '')), 'C')"
)

FORWARD = f"""
DROP INDEX IF EXISTS article_search_document_gin;
ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_document tsvector;
CREATE OR REPLACE FUNCTION civicsite_article_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_document := {DOCUMENT.format(row="NEW.")};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS civicsite_article_search_document ON articles_article;
CREATE TRIGGER civicsite_article_search_document
    BEFORE INSERT OR UPDATE OF title, dek, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION civicsite_article_search_document();
UPDATE articles_article SET search_document = {DOCUMENT.format(row="")};
CREATE INDEX article_search_document_gin ON articles_article USING GIN (search_document);
"""

BACKWARD = f"""
DROP INDEX IF EXISTS article_search_document_gin;
DROP TRIGGER IF EXISTS civicsite_article_search_document ON articles_article;
DROP FUNCTION IF EXISTS civicsite_article_search_document();
ALTER TABLE articles_article DROP COLUMN IF EXISTS search_document;
CREATE INDEX article_search_document_gin ON articles_article
    USING GIN (({DOCUMENT.format(row="")}));
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("civicsite", "0003_roles")]

    operations = [migrations.RunPython(forward, backward)]
