"""Site search: candidates, races and elections, and published articles, for both databases.

``search(text, page=N)`` is the one entry point; the view and scripts/bench_search.py call it.

On PostgreSQL articles are found with full-text search: a weighted document (title "A", dek
"B", body "C", english configuration, so "runoff" also finds "runoffs"), a
``websearch_to_tsquery`` query (it accepts quotes, ``-word`` and ``or``, and never raises on
stray operators), ranked with ``ts_rank``, and highlighted with ``ts_headline``. The document
is stored per article in a ``search_document`` column that a trigger keeps current, with a GIN
index on it (civicsite/migrations/0004); ranking reads the stored vectors instead of re-parsing
every matching body. tests/civicsite/test_search.py checks that the planner uses the index.

What is bounded on PostgreSQL, and why: a common word ("council") matches nearly every
article, and reading 20,000 stored documents (out of line, in TOAST) to count and rank them
cost over 200 ms per search. So one query takes the newest ``MAX_RANKED_ARTICLES`` + 1
(1,001) published articles whose text matches, and the newest 1,001 with a matching tag
(each part walks the newest-first index and stops early for a common word, or uses the GIN
or tag index for a rare one: the planner picks from the word statistics), ranks just those
and returns their ids best first. At most 1,000 of them get pages; with more, the count is
capped and the page says "more than 1,000". A query matching 1,000 articles or fewer gets
exactly the unbounded answer; for a commoner one an old article, however good a match, is
left out: readers of election news mostly want the recent stories, and can narrow the query.
A second query reads the 20 articles of the page, and only it runs ``ts_headline``.

On SQLite a simple fallback: every word must appear (``icontains``), then a bounded number of
the newest such articles are checked in Python for whole words and scored (title over dek over
body). Tags match when a tag's name holds every word of the query, on both databases.

Candidates (name and ballot name "A", bio "C") read a stored, trigger-maintained document too
(civicsite/migrations/0005); the name part is read back with ``ts_filter``. Races and elections
(office name, election name and jurisdiction) are small tables searched without an index.
All three are capped.
"""

import re
from dataclasses import dataclass, field

import nh3
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Expression, Func, IntegerField, Q, Value, When
from django.db.models.expressions import Col
from django.utils.html import escape
from django.utils.safestring import mark_safe
from taggit.models import Tag

from articles.models import Article, tagged_article_ids
from candidates.models import Candidate, Election, Race

ARTICLES_PER_PAGE = 20
MAX_CANDIDATES = 10
MAX_RACES = 10
MAX_ELECTIONS = 5
MAX_SUGGESTIONS = 3
MAX_WORDS = 8
# PostgreSQL: how many of the newest matching articles are ranked and counted (see above).
MAX_RANKED_ARTICLES = 1_000
# SQLite fallback: how many of the newest articles holding every word are checked in Python.
SQLITE_SCAN_LIMIT = 500
SNIPPET_CHARS = 220

SEARCH_CONFIG = "english"
ARTICLE_SEARCH_INDEX = "article_search_document_gin"

# Words too common to narrow a search on the SQLite fallback and for races and elections
# (PostgreSQL's english configuration has its own list).
STOP_WORDS = frozenset(
    "a an and are as at be by for from in is it of on or the to was were with".split()  # noqa: SIM905
)
_WORD = re.compile(r"\w+", re.UNICODE)
# Placement codes ([figure: key], possibly cut off by the fragment) and Markdown emphasis and
# heading marks are the editor's, not the reader's: left out of snippets.
_BODY_MARKUP = re.compile(r"\[(?:figure|pullquote|embed):[^\]]*\]?|\*\*|__|^#+ |\n#+ ", re.I)
_HIGHLIGHT = {"tags": {"mark"}, "attributes": {}, "clean_content_tags": {"script", "style"}}


def uses_full_text():
    return connection.vendor == "postgresql"


def query_words(text):
    """The words of a query, lower-cased, without stop words, duplicates or operators."""
    words = []
    for word in _WORD.findall(text.lower()):
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def whole_word_pattern(words):
    return re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.I)


def has_every_word(text, words):
    lowered = text.lower()
    return all(re.search(r"\b" + re.escape(word) + r"\b", lowered) for word in words)


# --- Results ---------------------------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    candidates: list = field(default_factory=list)
    races: list = field(default_factory=list)
    elections: list = field(default_factory=list)
    page: object = None  # a Page of articles, each with .snippet (safe HTML)
    suggestions: list = field(default_factory=list)  # candidates, when no article matched

    @property
    def article_count(self):
        return self.page.paginator.count if self.page else 0

    @property
    def article_count_capped(self):
        """True when more articles matched than were counted ("more than 1,000")."""
        return getattr(self.page.paginator, "capped", False) if self.page else False

    @property
    def total(self):
        return len(self.candidates) + len(self.races) + len(self.elections) + self.article_count


def search(text, *, page=1, per_page=ARTICLES_PER_PAGE):
    """Everything that matches ``text`` (already validated: stripped, no NUL, bounded).

    ``page`` is the articles page (1-based); a page that does not exist raises InvalidPage, as
    ``Paginator.page`` does (the view answers it with a 404, civicsite/core/pagination.py).
    Candidates, races and elections are listed in full (capped) on every page.
    """
    text = text.strip()
    results = SearchResults(query=text)
    if not text or (not uses_full_text() and not query_words(text)):
        results.page = Paginator([], per_page).page(page)
        return results
    if uses_full_text():
        from django.contrib.postgres.search import SearchQuery

        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        results.page = _articles_postgres(text, query, page, per_page)
        results.candidates = _candidates_postgres(text, query)
    else:
        words = query_words(text)
        results.page = _articles_sqlite(words, page, per_page)
        results.candidates = _candidates_sqlite(words)
    words = query_words(text)
    results.races = _races(words) if words else []
    results.elections = _elections(words) if words else []
    if not results.page.object_list and not results.candidates:
        results.suggestions = suggest_candidates(text)
    return results


def suggest_candidates(text):
    """Candidates whose name has a word starting like a word of the query ("Bakhtiary" ->
    Bakhtiari): a simple, trigram-free "did you mean"."""
    prefixes = [word[:4] for word in query_words(text) if len(word) >= 4 and not word.isdigit()]
    if not prefixes:
        return []
    condition = Q()
    for prefix in prefixes:
        condition |= Q(name__istartswith=prefix) | Q(name__icontains=f" {prefix}")
    return list(Candidate.objects.filter(condition).order_by("name")[:MAX_SUGGESTIONS])


# --- Articles --------------------------------------------------------------------------------


class StoredSearchDocument(Expression):
    """A model's stored, weighted search document: the ``search_document`` column.

    The column is maintained by a database trigger (migrations civicsite 0004 for articles,
    0005 for candidates) and is not a model field, so it resolves to a plain column of the
    query's main table; as a Col it is relabelled correctly inside subqueries.
    """

    def __init__(self, model):
        super().__init__()
        self.model = model

    def resolve_expression(self, query=None, *args, **kwargs):
        from django.contrib.postgres.search import SearchVectorField

        field = SearchVectorField()
        field.set_attributes_from_name("search_document")
        field.model = self.model
        return Col(query.get_initial_alias(), field, output_field=field)


def article_document():
    """An article's search document: title "A", dek "B", body "C" (PostgreSQL only)."""
    return StoredSearchDocument(Article)


def candidate_document():
    """A candidate's search document: name and ballot name "A", bio "C" (PostgreSQL only)."""
    return StoredSearchDocument(Candidate)


class CappedPaginator(Paginator):
    """A Paginator over the first objects found, which knows whether more were found
    (``capped``: the page then says "more than 1,000")."""

    def __init__(self, object_list, per_page, *, capped):
        super().__init__(object_list, per_page)
        self.capped = capped


def _tag_ids_postgres(query):
    from django.contrib.postgres.search import SearchVector

    return list(
        Tag.objects.alias(document=SearchVector("name", config=SEARCH_CONFIG))
        .filter(document=query)
        .values_list("pk", flat=True)[:50]
    )


def newest_matching_article_ids(query, tag_ids, *, limit):
    """Subquery: ids of the newest ``limit`` published articles whose document matches
    ``query``, and of the newest ``limit`` carrying one of ``tag_ids`` (PostgreSQL).

    Each part is ordered newest first and limited on its own, so each uses its own index (the
    newest-first index or the GIN index for the text, the tag index for tags) and stops
    early; a UNION keeps them apart, where "matches OR id IN (tagged)" could use neither.
    """
    newest = Article.objects.published().order_by("-publish_at", "-id")
    ids = newest.alias(document=article_document()).filter(document=query).values("pk")[:limit]
    if tag_ids:
        ids = ids.union(newest.filter(pk__in=tagged_article_ids(tag_ids)).values("pk")[:limit])
    return ids


def newest_ranked_article_ids(query, tag_ids, *, limit):
    """Values query: the ids of ``newest_matching_article_ids``, best rank, then newest first.

    Ranked outside the subquery, so that ts_rank reads at most ``limit`` stored documents
    per part whichever plan PostgreSQL picks for the match.
    """
    from django.contrib.postgres.search import SearchRank

    document = article_document()
    return (
        Article.objects.filter(pk__in=newest_matching_article_ids(query, tag_ids, limit=limit))
        .alias(document=document, rank=SearchRank(document, query))
        .order_by("-rank", "-publish_at", "-id")
        .values_list("pk", flat=True)
    )


def _articles_postgres(text, query, page, per_page):
    from django.contrib.postgres.search import SearchHeadline

    tag_ids = _tag_ids_postgres(query)
    # One more than the bound, so that the count tells "1,000" from "more than 1,000".
    ranked = list(newest_ranked_article_ids(query, tag_ids, limit=MAX_RANKED_ARTICLES + 1))
    paginator = CappedPaginator(
        ranked[:MAX_RANKED_ARTICLES], per_page, capped=len(ranked) > MAX_RANKED_ARTICLES
    )
    result_page = paginator.page(page)
    ids = list(result_page.object_list)
    # ts_headline re-reads the body: only for the articles of this page.
    shown = (
        Article.objects.published()
        .filter(pk__in=ids)
        .for_listing()
        .annotate(
            headline=SearchHeadline(
                "body",
                query,
                config=SEARCH_CONFIG,
                start_sel="<mark>",
                stop_sel="</mark>",
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    )
    by_pk = {article.pk: article for article in shown}  # no query when ids is empty
    page_articles = []
    for pk in ids:
        if pk in by_pk:  # not if unpublished since the first query
            article = by_pk[pk]
            article.snippet = _highlight_from_database(article.headline)
            page_articles.append(article)
    result_page.object_list = page_articles
    return result_page


def _highlight_from_database(headline):
    """ts_headline's fragment of the raw body: only <mark> survives (nh3), the rest is text."""
    if not headline or "<mark>" not in headline:
        return ""
    text = _BODY_MARKUP.sub(" ", headline)
    return mark_safe(nh3.clean(text, **_HIGHLIGHT).strip())


def _articles_sqlite(words, page, per_page):
    tag_ids = [
        tag.pk
        for tag in Tag.objects.filter(_every_word(["name"], words))[:200]
        if has_every_word(tag.name, words)
    ]
    found = Article.objects.published().filter(_every_word(["title", "dek", "body"], words))
    if tag_ids:
        found = found | Article.objects.published().filter(pk__in=tagged_article_ids(tag_ids))
    rows = found.order_by("-publish_at", "-id").values_list(
        "pk", "title", "dek", "body", "publish_at"
    )[:SQLITE_SCAN_LIMIT]
    tagged = set(tagged_article_ids(tag_ids).values_list("object_id", flat=True) if tag_ids else [])
    scored = []
    for pk, title, dek, body, publish_at in rows:
        in_title, in_dek = has_every_word(title, words), has_every_word(dek, words)
        everywhere = f"{title}\n{dek}\n{body}"
        if not (has_every_word(everywhere, words) or pk in tagged):
            continue
        score = 4 * in_title + 2 * in_dek + 2 * (pk in tagged) + 1
        scored.append((score, publish_at, pk, body))
    scored.sort(key=lambda row: (row[0], row[1], row[2]), reverse=True)
    result_page = Paginator(scored, per_page).page(page)
    ids = [pk for _, _, pk, _ in result_page.object_list]
    bodies = {pk: body for _, _, pk, body in result_page.object_list}
    by_pk = {article.pk: article for article in Article.objects.filter(pk__in=ids).for_listing()}
    page_articles = []
    for pk in ids:
        article = by_pk[pk]
        article.snippet = highlight_snippet(_BODY_MARKUP.sub(" ", bodies[pk]), words)
        page_articles.append(article)
    result_page.object_list = page_articles
    return result_page


def _every_word(fields, words):
    """Q: each word appears (icontains) in at least one of ``fields``."""
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def highlight_snippet(text, words, *, length=SNIPPET_CHARS):
    """A piece of ``text`` around the first whole-word match, escaped, matches in <mark>."""
    pattern = whole_word_pattern(words)
    match = pattern.search(text)
    if not match:
        return ""
    start = max(0, match.start() - length // 3)
    end = min(len(text), start + length)
    # Cut at spaces, not inside words.
    if start > 0:
        space = text.find(" ", start, match.start())
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", match.end(), end)
        end = space if space != -1 else end
    piece = text[start:end]
    parts, position = [], 0
    for found in pattern.finditer(piece):
        parts.append(escape(piece[position : found.start()]))
        parts.append(f"<mark>{escape(found.group())}</mark>")
        position = found.end()
    parts.append(escape(piece[position:]))
    html = "".join(parts).strip()
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(f"{prefix}{html}{suffix}")


# --- Candidates, races, elections ------------------------------------------------------------


def _candidates_postgres(text, query):
    from django.contrib.postgres.search import SearchRank, SearchVectorField

    document = candidate_document()
    # The name and ballot name part of the stored document: its lexemes of weight "A".
    name = Func(
        document,
        function="ts_filter",
        template="%(function)s(%(expressions)s, '{a}')",
        output_field=SearchVectorField(),
    )
    return list(
        Candidate.objects.alias(document=document, name_document=name)
        .filter(Q(document=query) | Q(name__icontains=text))
        .annotate(
            rank=SearchRank(document, query),
            name_match=Case(
                When(Q(name_document=query) | Q(name__icontains=text), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-name_match", "-rank", "name")[:MAX_CANDIDATES]
    )


def _candidates_sqlite(words):
    rows = Candidate.objects.filter(_every_word(["name", "ballot_name", "bio"], words)).order_by(
        "name"
    )[:100]
    found = []
    for candidate in rows:
        names = f"{candidate.name} {candidate.ballot_name}"
        if has_every_word(names, words):
            candidate.name_match = True
        elif has_every_word(f"{names} {candidate.bio}", words):
            candidate.name_match = False
        else:
            continue
        found.append(candidate)
    found.sort(key=lambda candidate: not candidate.name_match)
    return found[:MAX_CANDIDATES]


def _races(words):
    fields = ["office__name", "election__name", "election__jurisdiction"]
    rows = (
        Race.objects.filter(_every_word(fields, words))
        .select_related("election", "office", "questionnaire")
        .order_by("-election__date", "office__name")[:50]
    )
    return [
        race
        for race in rows
        if has_every_word(
            f"{race.heading} {race.election.name} {race.election.jurisdiction}", words
        )
    ][:MAX_RACES]


def _elections(words):
    rows = Election.objects.filter(_every_word(["name", "jurisdiction"], words)).order_by("-date")[
        :20
    ]
    return [
        election
        for election in rows
        if has_every_word(f"{election.name} {election.jurisdiction}", words)
    ][:MAX_ELECTIONS]
