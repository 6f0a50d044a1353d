"""Site search: candidates, races and elections, and published articles, for both databases.

``search(text, page=N)`` is the one entry point; the view and scripts/bench_search.py call it.

Search as voters type (issue 18), on both databases:
- Accents and case never matter: "Bakhtiarí" finds Bakhtiari and the other way round
  (``fold()``; PostgreSQL's ``unaccent``, SQLite a function of ours, both registered by
  migration civicsite 0008 and ``register_sqlite_functions``).
- Words match at their start, so a word being typed already finds: "runo" finds runoff, "bakh"
  Bakhtiari. Numbers and words under three letters match whole ("5" does not find "50").
- ``query_words()`` reads a query as voters write one: stop words ("the", "of") go; words that
  only say what kind of page is wanted ("results", "race", "news", ``NOISE_WORDS``) are not
  required when other words are left, so "district 5 runoff results" finds the District 5
  runoff race and the stories about it (on PostgreSQL they still rank a story higher);
  a split compound is joined ("run off" -> runoff, ``COMPOUNDS``).
- Names forgive typos: candidates whose name is close to a word of the query ("Bakhtiary") are
  listed after the exact matches as similar names, and when little matched the page offers
  "Did you mean Bakhtiari?" (``close_candidates``, ``did_you_mean``). PostgreSQL picks the
  close names with ``pg_trgm``'s word similarity; SQLite reads the names (bounded, they are a
  few thousand at most); both then decide with the same difflib rule, so both agree.

On PostgreSQL articles are found with full-text search: a weighted document (title "A", dek
"B", body "C", the ``civicsite_english`` configuration: english with accents removed first, so
"runoff" also finds "runoffs"), ranked with ``ts_rank``, and highlighted with ``ts_headline``.
A query with operators (quotes for a phrase, ``-word``, ``or``) goes through
``websearch_to_tsquery``, which never raises on stray operators; a plain one is the query's
words, each a prefix. The document is stored per article in a ``search_document`` column that a
trigger keeps current, with a GIN index on it (civicsite/migrations/0004, 0008); ranking reads
the stored vectors instead of re-parsing every matching body. tests/civicsite/test_search.py
checks that the planner uses the index.

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

On SQLite a simple fallback: every word must appear in the folded text, then a bounded number
of the newest such articles are checked in Python for words starting so and scored (title over
dek over body). Tags match when a tag's name holds every word of the query, on both databases.

Candidates (name and ballot name "A", bio "C") read a stored, trigger-maintained document too
(civicsite/migrations/0005); the name part is read back with ``ts_filter``. Races and elections
(office name, election name and jurisdiction) are small tables searched without an index.
All three are capped.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Expression, Func, IntegerField, Q, TextField, Value, When
from django.db.models.expressions import Col
from django.db.models.lookups import Contains
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
# SQLite fallback: how many candidates' names are read to find the close ones (PostgreSQL
# asks pg_trgm for the closest CLOSE_NAME_ROWS instead).
SQLITE_NAME_LIMIT = 5_000
CLOSE_NAME_ROWS = 20
SNIPPET_CHARS = 220
# Under this many results in all, the page offers a corrected spelling if there is one.
FEW_RESULTS = 3

# English with accents removed before stemming (migration civicsite 0008).
SEARCH_CONFIG = "civicsite_english"
ARTICLE_SEARCH_INDEX = "article_search_document_gin"

# Words too common to narrow a search on the SQLite fallback and for races and elections
# (PostgreSQL's english configuration has its own list).
STOP_WORDS = frozenset(
    "a an and are as at be by for from in is it of on or the to was were with".split()  # noqa: SIM905
)
# Words that say what kind of page a voter wants, not what it is about: "district 5 runoff
# results" means the District 5 runoff. Not required when the query has other words.
NOISE_WORDS = frozenset(
    "about article articles latest news race races result results story stories update "  # noqa: SIM905
    "updates who won".split()
)
# Compounds voters write in two words: "run off" is the runoff.
COMPOUNDS = {("run", "off"): "runoff", ("re", "count"): "recount", ("turn", "out"): "turnout"}
# A prefix needs three letters; numbers always match whole ("5" is not "50").
MIN_PREFIX = 3
# PostgreSQL: a prefix is also tried up to two letters shorter, never under this many.
MIN_STEM = 5
# Typo tolerance for names: a name word this close (difflib's ratio) to a query word of at
# least CLOSE_WORD_MIN letters is a close match ("bakhtiary" ~ "bakhtiari" is 0.89).
CLOSE_NAME_CUTOFF = 0.8
CLOSE_WORD_MIN = 4
# PostgreSQL's first cut of the close names (pg_trgm word similarity), looser than the cutoff
# above so that difflib sees every name it would accept.
TRIGRAM_THRESHOLD = 0.3

_WORD = re.compile(r"\w+", re.UNICODE)
# The combining marks that NFKD splits off letters (accents, diacritics), in the blocks
# Unicode keeps them; one regular expression, so folding a long body stays fast.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# websearch_to_tsquery's operators: a quote (phrase), a leading minus (not), "or".
_OPERATORS = re.compile(r"\"|(?:^|\s)-\w|\bor\b", re.I)
# Placement codes ([figure: key], possibly cut off by the fragment) and Markdown emphasis and
# heading marks are the editor's, not the reader's: left out of snippets.
_BODY_MARKUP = re.compile(r"\[(?:figure|pullquote|embed):[^\]]*\]?|\*\*|__|^#+ |\n#+ ", re.I)
_HIGHLIGHT = {"tags": {"mark"}, "attributes": {}, "clean_content_tags": {"script", "style"}}


def uses_full_text():
    return connection.vendor == "postgresql"


def fold(text):
    """Text as search compares it: accents dropped, case folded ("Bakhtiarí" -> "bakhtiari").

    PostgreSQL's ``unaccent`` does the same on the database side (it also spells out a few
    letters NFKD keeps, such as "ł"); SQLite calls this function (``register_sqlite_functions``).
    """
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


def register_sqlite_functions(sender, connection, **kwargs):
    """connection_created: SQLite gets ``civicsite_fold()``, the ``fold`` of ``Folded``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("civicsite_fold", 1, fold, deterministic=True)


class Folded(Func):
    """A text column as ``fold`` leaves it: lower(unaccent(...)) on PostgreSQL."""

    function = "civicsite_fold"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="lower(unaccent(%(expressions)s))", **extra_context
        )


def query_terms(text):
    """(required, optional): the words a query's matches must start with, and its noise words.

    Folded, stop words and duplicates left out, split compounds joined. Noise words are
    required only when nothing else is left ("results" alone); otherwise they are optional
    (PostgreSQL ranks a match holding them higher).
    """
    words = []
    for word in _WORD.findall(fold(text)):
        if words and (words[-1], word) in COMPOUNDS:
            words[-1] = COMPOUNDS[words[-1], word]
        elif word not in STOP_WORDS and word not in words:
            words.append(word)
    words = words[:MAX_WORDS]
    required = [word for word in words if word not in NOISE_WORDS]
    if not required:
        return words, []
    return required, [word for word in words if word in NOISE_WORDS]


def query_words(text):
    """The words every match must hold (``query_terms``)."""
    return query_terms(text)[0]


def is_prefix(word):
    return len(word) >= MIN_PREFIX and not word.isdigit()


def word_pattern(words):
    """Any of ``words`` at the start of a word (a whole word for numbers and short words)."""
    parts = [re.escape(word) + ("" if is_prefix(word) else r"\b") for word in words]
    return re.compile(r"\b(?:" + "|".join(parts) + ")")


def has_every_word(text, words):
    folded = fold(text)
    return all(word_pattern([word]).search(folded) for word in words)


# --- Results ---------------------------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    candidates: list = field(default_factory=list)  # exact matches, then close names
    races: list = field(default_factory=list)
    elections: list = field(default_factory=list)
    page: object = None  # a Page of articles, each with .snippet (safe HTML)
    did_you_mean: str = ""  # the query with a close name's spelling, when little matched

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
    words, optional = query_terms(text)
    operators = uses_full_text() and _OPERATORS.search(text)
    if not words and not operators:
        results.page = Paginator([], per_page).page(page)
        return results
    if uses_full_text():
        query, rank_query = full_text_query(text, words, optional)
        results.page = _articles_postgres(query, rank_query, page, per_page)
        results.candidates = _candidates_postgres(text, query)
    else:
        results.page = _articles_sqlite(words, page, per_page)
        results.candidates = _candidates_sqlite(words)
    results.races = _races(words) if words else []
    results.elections = _elections(words) if words else []
    close = close_candidates(words, found=results.candidates)
    results.candidates = with_close_names(results.candidates, close)
    if results.total < FEW_RESULTS or not results.article_count:
        results.did_you_mean = did_you_mean(text, close)
    return results


def with_close_names(found, close):
    """``found`` then the ``close`` candidates not in it (capped), each marked ``close_match``
    when its name is not spelled as typed (also a found one: PostgreSQL stems "bakhtiary" to
    "bakhtiari")."""
    close_ids = {candidate.pk for candidate in close}
    found_ids = {candidate.pk for candidate in found}
    similar = [candidate for candidate in close if candidate.pk not in found_ids]
    for candidate in found + similar:
        candidate.close_match = candidate.pk in close_ids
    return found + similar[: max(0, MAX_CANDIDATES - len(found))]


def full_text_query(text, words, optional):
    """(query, rank_query) for PostgreSQL: what must match, and what ranks the matches.

    A query with operators is read by websearch_to_tsquery as written. A plain one is its
    words, each a prefix ('runo':*) unless a number or short; the noise words
    (``query_terms``) are not required but raise the rank of a match that holds them.
    """
    from django.contrib.postgres.search import SearchQuery

    if _OPERATORS.search(text):
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        return query, query

    def term(word):
        # \w+ only (query_terms): nothing in a word can be a tsquery operator or quote.
        if not is_prefix(word):
            return SearchQuery(f"'{word}'", search_type="raw", config=SEARCH_CONFIG)
        # The document holds stems ("elect" for "election"), which a longer part of the word
        # being typed ("electi") does not start: a long prefix also matches a letter or two
        # shorter.
        shortest = min(len(word), max(MIN_STEM, len(word) - 2))
        starts = {word[:end] for end in range(shortest, len(word) + 1)}
        lexemes = " | ".join(f"'{start}':*" for start in sorted(starts))
        return SearchQuery(lexemes, search_type="raw", config=SEARCH_CONFIG)

    query = term(words[0])
    for word in words[1:]:
        query &= term(word)
    rank_query = query
    for word in optional:
        rank_query |= term(word)
    return query, rank_query


# --- Names: typos forgiven ---------------------------------------------------------------------


def close_candidates(words, *, found):
    """Candidates with a name word close to a word of the query: "Bakhtiary" finds Liliana
    Bakhtiari. Closest first, at most MAX_SUGGESTIONS, one query.

    Each is given ``close_words``: {query word: the name word it is close to}, which
    ``did_you_mean`` respells the query with; those already in ``found`` too (PostgreSQL's
    stemmer finds "Bakhtiary" as "bakhtiari"), but the caller lists only the others again.
    """
    # A word that starts a name already found is spelled right ("Williams" is not a typo
    # of "Williamson").
    known = {
        fold(word)
        for candidate in found
        for word in _WORD.findall(f"{candidate.name} {candidate.ballot_name}")
    }
    typed = [
        word
        for word in words
        if len(word) >= CLOSE_WORD_MIN
        and not word.isdigit()
        and not any(name_word.startswith(word) for name_word in known)
    ]
    if not typed:
        return []
    scored = []
    for candidate in _name_rows(typed):
        name_words = {
            word: display
            for display in _WORD.findall(f"{candidate.name} {candidate.ballot_name}")
            for word in [fold(display)]
        }
        close_words, score = {}, 0.0
        for word in typed:
            match = difflib.get_close_matches(word, name_words, n=1, cutoff=CLOSE_NAME_CUTOFF)
            if match and match[0] != word:
                close_words[word] = name_words[match[0]]
                score += difflib.SequenceMatcher(None, word, match[0]).ratio()
        if close_words:
            candidate.close_words = close_words
            scored.append((-score, candidate.name, candidate))
    scored.sort(key=lambda row: row[:2])
    return [candidate for _, _, candidate in scored[:MAX_SUGGESTIONS]]


def _name_rows(words):
    """Candidates whose names may be close to ``words``: on PostgreSQL the CLOSE_NAME_ROWS
    most similar by trigrams (pg_trgm's word_similarity, accents removed), on SQLite every
    name up to SQLITE_NAME_LIMIT."""
    candidates = Candidate.objects.only("pk", "slug", "name", "ballot_name", "bio")
    if not uses_full_text():
        return candidates.order_by("name")[:SQLITE_NAME_LIMIT]
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db.models.functions import Greatest

    similarities = [
        TrigramWordSimilarity(Value(word), Folded(column))
        for word in words
        for column in ("name", "ballot_name")
    ]
    return (
        candidates.annotate(similarity=Greatest(*similarities))
        .filter(similarity__gte=TRIGRAM_THRESHOLD)
        .order_by("-similarity", "name")[:CLOSE_NAME_ROWS]
    )


def did_you_mean(text, close):
    """The query respelled with the close names' words ("Bakhtiary" -> "Bakhtiari"), or ""."""
    corrections = {}
    for candidate in close:
        for word, name_word in candidate.close_words.items():
            corrections.setdefault(word, name_word)
    if not corrections:
        return ""
    return _WORD.sub(lambda match: corrections.get(fold(match.group()), match.group()), text)


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


def newest_ranked_article_ids(query, tag_ids, *, limit, rank_query=None):
    """Values query: the ids of ``newest_matching_article_ids``, best rank (by
    ``rank_query``, ``query`` if none), then newest first.

    Ranked outside the subquery, so that ts_rank reads at most ``limit`` stored documents
    per part whichever plan PostgreSQL picks for the match.
    """
    from django.contrib.postgres.search import SearchRank

    document = article_document()
    return (
        Article.objects.filter(pk__in=newest_matching_article_ids(query, tag_ids, limit=limit))
        .alias(document=document, rank=SearchRank(document, rank_query or query))
        .order_by("-rank", "-publish_at", "-id")
        .values_list("pk", flat=True)
    )


def _articles_postgres(query, rank_query, page, per_page):
    from django.contrib.postgres.search import SearchHeadline

    tag_ids = _tag_ids_postgres(query)
    # One more than the bound, so that the count tells "1,000" from "more than 1,000".
    ranked = list(
        newest_ranked_article_ids(
            query, tag_ids, limit=MAX_RANKED_ARTICLES + 1, rank_query=rank_query
        )
    )
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
                rank_query,
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
    """Q: each word appears in at least one of ``fields``, both folded (accents, case).

    Anywhere in the text: the caller keeps the rows where it starts a word (``has_every_word``).
    """
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(Contains(Folded(name), word))
        condition &= any_field
    return condition


def _folded_with_offsets(text):
    """``fold(text)`` and, for each of its characters, where it came from in ``text``.

    Folding mostly keeps the length ("í" -> "i"), and then the offsets are the same; only
    when it does not ("ß" -> "ss", a decomposed accent dropped) is each character folded alone.
    """
    folded = fold(text)
    if len(folded) == len(text):
        return folded, range(len(text))
    pieces, offsets = [], []
    for position, char in enumerate(text):
        piece = fold(char)
        pieces.append(piece)
        offsets.extend([position] * len(piece))
    return "".join(pieces), offsets


def _matches(text, words):
    """(start, end) in ``text`` of each place a word of ``words`` starts (folded)."""
    folded, offsets = _folded_with_offsets(text)
    spans = []
    for found in word_pattern(words).finditer(folded):
        start = offsets[found.start()]
        end = offsets[found.end() - 1] + 1
        # A prefix marks the whole word it starts ("runo" marks "runoff").
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def highlight_snippet(text, words, *, length=SNIPPET_CHARS):
    """A piece of ``text`` around the first match, escaped, the words matched in <mark>."""
    spans = _matches(text, words)
    if not spans:
        return ""
    first_start, first_end = spans[0]
    start = max(0, first_start - length // 3)
    end = min(len(text), start + length)
    # Cut at spaces, not inside words.
    if start > 0:
        space = text.find(" ", start, first_start)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", first_end, end)
        end = space if space != -1 else end
    parts, position = [], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts.append(escape(text[position:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(escape(text[position:end]))
    html = "".join(parts).strip()
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(f"{prefix}{html}{suffix}")


# --- Candidates, races, elections ------------------------------------------------------------


def _candidates_postgres(text, query):
    """Candidates whose document matches ``query``, or whose name holds the query as typed
    (part of a name, accents and case aside); those matched by name first."""
    from django.contrib.postgres.search import SearchRank, SearchVectorField

    document = candidate_document()
    # The name and ballot name part of the stored document: its lexemes of weight "A".
    name = Func(
        document,
        function="ts_filter",
        template="%(function)s(%(expressions)s, '{a}')",
        output_field=SearchVectorField(),
    )
    in_name = Q(Contains(Folded("name"), fold(text)))
    return list(
        Candidate.objects.alias(document=document, name_document=name)
        .filter(Q(document=query) | in_name)
        .annotate(
            rank=SearchRank(document, query),
            name_match=Case(
                When(Q(name_document=query) | in_name, then=Value(1)),
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
