"""The address a stored page is kept under: only the query parameters its view reads.

A link shared on social media arrives as ``/articles/x/?fbclid=...``: a different query string
for every click. Keyed on the full address, each would be a new render (22 instead of 819
requests a second when measured). So a stored page's key holds the scheme, host and path, and of
the query only the parameters the view actually *read* while rendering it (``?page=2`` on a
list, ``?q=`` on search); tracking parameters (``utm_*``, ``fbclid``, ...) never count.

Which parameters a view reads is recorded, not declared: while a cacheable page renders,
``request.GET`` is a ``ReadRecorder`` that notes each name looked up. Anything that reads the
whole query (iterating it, ``urlencode()``, ``copy()``) marks every parameter as read, so a view
is never served a page rendered for other parameters than the ones it depends on. The names
read are kept per path (``reads_key``) beside the pages, under the same generation.
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict

PAGE_KEY_PREFIX = "pages:page:"
READS_KEY_PREFIX = "pages:reads:"

# ``reads`` when a view read the whole query: every parameter is part of the key.
EVERY_PARAMETER = "*"


def is_tracking(name):
    """A parameter that only says where a reader came from (CACHE_IGNORED_PARAMETERS)."""
    lowered = name.lower()
    return any(
        lowered.startswith(pattern[:-1]) if pattern.endswith("*") else lowered == pattern
        for pattern in settings.CACHE_IGNORED_PARAMETERS
    )


def meaningful_parameters(request):
    """The request's query as (name, value) pairs sorted by name, tracking parameters left out.

    Sorted by name only: the values of a repeated name keep their order (``get`` reads the last).
    """
    return sorted(
        (
            (name, value)
            for name, values in request.GET.lists()
            for value in values
            if not is_tracking(name)
        ),
        key=lambda pair: pair[0],
    )


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _address(request):
    # Scheme and host are part of the key: pages print absolute canonical addresses.
    return f"{request.scheme}://{request.get_host()}{request.path}"


def reads_key(request):
    return READS_KEY_PREFIX + _digest(_address(request))


def page_key(request, parameters=(), reads=EVERY_PARAMETER):
    """The key of the page for ``parameters`` narrowed to the names in ``reads``."""
    if reads != EVERY_PARAMETER:
        parameters = [(name, value) for name, value in parameters if name in reads]
    query = urlencode(parameters)
    return PAGE_KEY_PREFIX + _digest(f"{_address(request)}?{query}" if query else _address(request))


class ReadRecorder(QueryDict):
    """``request.GET`` during a cacheable render: remembers which parameters the view read."""

    def __init__(self, query_dict):
        super().__init__(mutable=True)
        for name, values in query_dict.lists():
            self.setlist(name, values)
        self._mutable = False
        self.reads = set()

    def read(self):
        return self.reads if EVERY_PARAMETER not in self.reads else EVERY_PARAMETER

    def _note(self, name):
        self.reads.add(name)

    def _note_all(self):
        self.reads.add(EVERY_PARAMETER)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __iter__(self):
        self._note_all()
        return super().__iter__()

    def __len__(self):
        self._note_all()
        return super().__len__()

    def keys(self):
        self._note_all()
        return super().keys()

    def items(self):
        self._note_all()
        return super().items()

    def lists(self):
        self._note_all()
        return super().lists()

    def values(self):
        self._note_all()
        return super().values()

    def dict(self):
        self._note_all()
        return super().dict()

    def copy(self):
        self._note_all()
        return super().copy()

    def urlencode(self, safe=None):
        self._note_all()
        return super().urlencode(safe)
