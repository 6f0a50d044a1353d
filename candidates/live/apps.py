from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Election night's results feeds: sources, their pulls, holds, and rehearsals.

    Not a ``PublicContent``: no row of this app appears on a public page. A pull reaches readers
    only through the results importer, which empties the page cache itself, and a rehearsal's
    TEST banner empties it when it starts and ends (candidates/live/rehearsal.py).
    """

    name = "candidates.live"
    label = "live"
    verbose_name = "Live results feeds"
