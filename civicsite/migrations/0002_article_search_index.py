"""A functional GIN index for article search on PostgreSQL (nothing on other databases).

The expression is exactly the search document civicsite/search.py queries
(ARTICLE_DOCUMENT_SQL, written by Django for ``article_document()``): title "A", dek "B",
body "C", english configuration. If one changes, change the other in a new migration; the
test "article search uses the GIN index" fails when they drift apart.
The index lives in this app because articles/models.py has no search field of its own.
"""

from django.db import migrations

INDEX = "article_search_document_gin"
DOCUMENT = (
    "(setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(dek, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C'))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles_article USING GIN ({DOCUMENT})"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("civicsite", "0001_initial"),
        ("articles", "0002_article_candidacy"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
