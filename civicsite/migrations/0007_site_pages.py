"""The site's own pages (About, Contact, Corrections policy): the table, its history, and the
three rows, so the footer's links never lead to a missing page (civicsite.models.Page)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from civicsite.core.markup import render_page_markdown

# The three pages exist from the start (the footer links to them); the newsroom writes them.
STARTER_PAGES = [
    ("about", "About us", "Who we are and what we cover."),
    ("contact", "Contact", "How to reach the newsroom."),
    ("corrections-policy", "Corrections policy", "How we correct our mistakes."),
]
STARTER_BODY = (
    "The newsroom has not written this page yet. Editors write it in the admin (Site pages)."
)


def create_pages(apps, schema_editor):
    Page = apps.get_model("civicsite", "Page")
    for slug, title, summary in STARTER_PAGES:
        Page.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "summary": summary,
                "body": STARTER_BODY,
                "body_html": render_page_markdown(STARTER_BODY),
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("civicsite", "0006_pending_edits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalPage",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        choices=[
                            ("about", "About"),
                            ("contact", "Contact"),
                            ("corrections-policy", "Corrections policy"),
                        ],
                        editable=False,
                        max_length=40,
                    ),
                ),
                ("title", models.CharField(help_text="The page's headline.", max_length=200)),
                (
                    "summary",
                    models.CharField(
                        blank=True,
                        help_text="One sentence for search engines and link previews.",
                        max_length=300,
                    ),
                ),
                (
                    "body",
                    models.TextField(
                        help_text="Markdown: paragraphs, ## headings, - lists, [links](https://...), > quotes."
                    ),
                ),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical page",
                "verbose_name_plural": "historical pages",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Page",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        choices=[
                            ("about", "About"),
                            ("contact", "Contact"),
                            ("corrections-policy", "Corrections policy"),
                        ],
                        editable=False,
                        max_length=40,
                        unique=True,
                    ),
                ),
                ("title", models.CharField(help_text="The page's headline.", max_length=200)),
                (
                    "summary",
                    models.CharField(
                        blank=True,
                        help_text="One sentence for search engines and link previews.",
                        max_length=300,
                    ),
                ),
                (
                    "body",
                    models.TextField(
                        help_text="Markdown: paragraphs, ## headings, - lists, [links](https://...), > quotes."
                    ),
                ),
                ("body_html", models.TextField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["slug"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("slug__in", ["about", "contact", "corrections-policy"])
                        ),
                        name="page_known_slug",
                    )
                ],
            },
        ),
        migrations.RunPython(create_pages, migrations.RunPython.noop),
    ]
