"""Render every article's stored body HTML again from its Markdown.

Why this command exists: an article's body is rendered once, when it is saved
(articles/rendering.py), and stored in ``body_html``. When the rendering rules change (for
example headings now start at <h2> whatever level the editor wrote), the stories saved before
keep the old HTML until something saves them. Run ``manage.py render_articles`` after such a
deploy; ``--dry-run`` says how many would change without writing. Articles whose HTML is
already current are left alone, and the page cache is emptied once if any changed.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Article
from articles.services import article_render
from civicsite.core import pagecache


class Command(BaseCommand):
    help = "Render every article's body_html again from its Markdown (after a rendering change)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change, write nothing."
        )

    def handle(self, *args, **options):
        changed = []
        with transaction.atomic():
            for article in Article.objects.order_by("pk").iterator(chunk_size=200):
                before = article.body_html
                article_render(article=article)
                if article.body_html != before:
                    changed.append(article.slug)
            if options["dry_run"]:
                transaction.set_rollback(True)
            elif changed:
                pagecache.invalidate()  # the updates above send no signals
        verbosity = options["verbosity"]
        if verbosity >= 2:
            for slug in changed:
                self.stdout.write(f"  {slug}")
        if verbosity:
            verb = "would change" if options["dry_run"] else "rendered again"
            self.stdout.write(f"Articles: {len(changed)} {verb}.")
