"""The media library (issue 18): one LibraryImage per picture, reused by figures.

Existing figures' pictures move into the library as they are: each distinct file becomes one
library image that takes over the figure's file, size and renditions (no file is copied and no
rendition made again), and the figures point at it. Reversing keeps the figures' own copies of
the file and renditions, so they show as before.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone


def figures_into_the_library(apps, schema_editor):
    Figure = apps.get_model("articles", "Figure")
    LibraryImage = apps.get_model("articles", "LibraryImage")
    by_file = {}
    figures = Figure.objects.filter(library_image__isnull=True).exclude(image="")
    for figure in figures.select_related("article").order_by("id"):
        library_image = by_file.get(figure.image.name)
        if library_image is None:
            title = figure.caption or figure.alt_text or figure.key
            library_image = LibraryImage.objects.create(
                title=title[:200],
                image=figure.image.name,
                width=figure.width,
                height=figure.height,
                alt_text=figure.alt_text or figure.caption[:300] or figure.key,
                credit=figure.credit,
                renditions=figure.renditions,
                uploaded_at=figure.article.created_at if figure.article else timezone.now(),
            )
            by_file[figure.image.name] = library_image
        figure.library_image = library_image
        figure.save(update_fields=["library_image"])


def library_back_to_figures(apps, schema_editor):
    apps.get_model("articles", "Figure").objects.update(library_image=None)
    apps.get_model("articles", "LibraryImage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_events_and_reader_questions"),
    ]

    operations = [
        migrations.CreateModel(
            name="LibraryImage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        help_text="What the picture is, in words an editor would search for, e.g. “Fulton County poll workers counting ballots”.",
                        max_length=200,
                    ),
                ),
                (
                    "image",
                    models.ImageField(
                        height_field="height", upload_to="library/%Y/%m/", width_field="width"
                    ),
                ),
                ("width", models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ("height", models.PositiveIntegerField(blank=True, editable=False, null=True)),
                (
                    "alt_text",
                    models.CharField(
                        help_text="What the image shows, for readers who cannot see it. Required; a figure may say it differently for its story.",
                        max_length=300,
                    ),
                ),
                (
                    "credit",
                    models.CharField(
                        blank=True,
                        help_text="Who made it, e.g. “Illustration” or a name.",
                        max_length=200,
                    ),
                ),
                ("renditions", models.JSONField(blank=True, default=list, editable=False)),
                (
                    "uploaded_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
            ],
            options={
                "verbose_name": "library image",
                "verbose_name_plural": "media library",
                "ordering": ["-uploaded_at", "-id"],
            },
        ),
        migrations.AlterField(
            model_name="figure",
            name="alt_text",
            field=models.CharField(
                blank=True,
                help_text="What the image shows, for readers who cannot see it. Leave empty to use the library image's.",
                max_length=300,
            ),
        ),
        migrations.AlterField(
            model_name="figure",
            name="credit",
            field=models.CharField(
                blank=True, help_text='e.g. "Illustration". Empty: the library\'s.', max_length=200
            ),
        ),
        migrations.AlterField(
            model_name="figure",
            name="image",
            field=models.ImageField(
                blank=True, height_field="height", upload_to="figures/%Y/%m/", width_field="width"
            ),
        ),
        migrations.AddField(
            model_name="figure",
            name="library_image",
            field=models.ForeignKey(
                blank=True,
                help_text="Search the media library by title, alt text or credit.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="figures",
                to="articles.libraryimage",
                verbose_name="image from the media library",
            ),
        ),
        migrations.RunPython(figures_into_the_library, library_back_to_figures),
    ]
