"""Benchmark site search on PostgreSQL with 20,000 generated articles.

It seeds published articles (bodies of a few hundred words drawn from a fixed vocabulary by a
seeded random generator, with tags) into the PostgreSQL database named by DATABASE_URL, then
times ``civicsite.search.search`` -- the function the /search/ view calls -- over 30 varied
queries, 5 rounds, and prints the median and 95th percentile in milliseconds. Target: median
under 100 ms. It refuses SQLite and any host that is not this machine, and it only ever
deletes the articles it made itself (slugs starting "bench-").

Run it against a database of its own, migrated first:

    createdb -h 127.0.0.1 -U postgres civicsite_h7bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicsite_h7bench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python scripts/bench_search.py            # seeds 20,000, then times
    .venv/bin/python scripts/bench_search.py --no-seed  # times the articles already there
    .venv/bin/python scripts/bench_search.py --explain  # also prints one query plan

To time the ``manage.py seed_bench`` data set (20,000 articles over a 41-word vocabulary, so
common words match nearly every article, and 2,000 "Bench Person" candidates), use the queries
chosen for it; ``--sql`` also prints how long each SQL statement of one search took:

    .venv/bin/python scripts/bench_search.py --no-seed --query-set seed_bench --sql
"""

import argparse
import datetime
import ipaddress
import os
import random
import statistics
import sys
import time

import django

SLUG_PREFIX = "bench-"
SEED = 20211102


def word_list(text):
    return text.split()


COMMON = word_list(
    """
    the of and to in a is that for on was with as it by at from are be this have an but
    not they his her she he said would will their has more been who one about were which
    after when over also new than there two first could into other some people year
    years city time last state public what its all before most just like many between
    during could while where under
    """
)
CIVIC = word_list(
    """
    council district election runoff ballot ballots vote votes voter voters voting
    candidate candidates campaign incumbent challenger precinct precincts county turnout
    absentee early majority plurality margin recount certified results mayor commission
    seat seats race races primary general special forum debate endorsement endorsed
    donors fundraising budget housing transit zoning police safety parks water sewer
    taxes schools neighborhood neighborhoods residents development affordability
    infrastructure sidewalks streets traffic beltline annexation ethics audit ordinance
    resolution hearing testimony petition registration deadline polling location
    accessible provisional canvass
    """
)
PLACES = word_list(
    """
    Atlanta Fulton DeKalb Decatur Kirkwood Edgewood Inman Candler Reynoldstown
    Cabbagetown Ormewood Grant Glenwood Midtown Westside Eastside
    """
)
NAMES = word_list(
    """
    Bakhtiari Mahoney Bacote Kissell Williams Archibong Okafor Nguyen Patel Ramirez
    Johnson Lee Brooks Castillo Haddad Moreau Lindqvist Adeyemi Tanaka Kowalski
    """
)
TAGS = [
    "Atlanta City Council",
    "District 5",
    "District 3",
    "District 12",
    "2021 election",
    "2017 election",
    "runoff",
    "turnout",
    "housing",
    "transit",
    "public safety",
    "budget",
    "schools",
    "zoning",
    "voter guide",
    "DeKalb County",
    "Fulton County",
    "ethics",
    "campaign finance",
    "Beltline",
]
QUERIES = [
    "runoff",
    "runoffs",
    "Bakhtiari",
    "Mahoney runoff",
    "absentee ballots",
    "council district",
    '"polling location"',
    "turnout -DeKalb",
    "recount or canvass",
    "beltline transit",
    "housing affordability",
    "sewer",
    "annexation ordinance",
    "Kirkwood sidewalks",
    "Okafor endorsement",
    "ethics audit",
    "certified results",
    "early voting",
    "provisional ballots",
    "Lindqvist",
    "zoning hearing testimony",
    "campaign fundraising donors",
    "public safety police",
    "Cabbagetown",
    "voter registration deadline",
    "majority plurality",
    "zzzqx nothing matches",
    "the",
    "schools budget",
    "District 5",
]
# For the seed_bench data set: its common words (each in nearly every article), a phrase-like
# query whose number matches nothing, a candidate surname and number, a word matching nothing,
# and two-word queries.
SEED_BENCH_QUERIES = [
    "council",
    "runoff",
    "district 5",
    "budget",
    "school",
    "water",
    "Person",
    "Person 0042",
    "zzzqx",
    "absentee ballots",
    "streetlight referendum",
]
QUERY_SETS = {"bench": QUERIES, "seed_bench": SEED_BENCH_QUERIES}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="time what is already there")
    parser.add_argument("--explain", action="store_true", help="print the plan of one query")
    parser.add_argument(
        "--query-set",
        choices=sorted(QUERY_SETS),
        default="bench",
        help="which queries to time: bench (the articles this script seeds) or seed_bench",
    )
    parser.add_argument(
        "--sql", action="store_true", help="print each SQL statement's time for one search"
    )
    return parser.parse_args()


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicsite.settings")
    django.setup()


def refuse_unless_local_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Refusing: set DATABASE_URL to a PostgreSQL database (not SQLite).")
    host = connection.settings_dict.get("HOST") or "localhost"
    if host != "localhost" and not host.startswith("/"):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            sys.exit(f"Refusing: {host} is not this machine (use 127.0.0.1 or localhost).")


def words(rng, weights, vocabulary, count):
    return rng.choices(vocabulary, weights=weights, k=count)


def make_text(rng, vocabulary, weights, count):
    """Sentences of 8 to 20 words, capitalised, with full stops."""
    out = []
    while count > 0:
        length = min(count, rng.randint(8, 20))
        sentence = words(rng, weights, vocabulary, length)
        out.append(" ".join(sentence).capitalize() + ".")
        count -= length
    return " ".join(out)


def seed(count):
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from articles.models import Article

    rng = random.Random(SEED)
    vocabulary = COMMON + CIVIC + PLACES + NAMES
    # Zipf-like: common words often, names and places rarely.
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(vocabulary))]
    rng.shuffle(weights[len(COMMON) :])
    now = timezone.now()
    kinds = [kind for kind, _ in Article.Kind.choices]
    started = time.perf_counter()
    with transaction.atomic():
        old = Article.objects.filter(slug__startswith=SLUG_PREFIX)
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Article),
            object_id__in=old.values("pk"),
        ).delete()
        old.delete()
        tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
        content_type = ContentType.objects.get_for_model(Article)
        batch = 1000
        for offset in range(0, count, batch):
            articles = []
            for n in range(offset, min(count, offset + batch)):
                publish_at = now - datetime.timedelta(hours=n)
                articles.append(
                    Article(
                        title=make_text(rng, vocabulary, weights, rng.randint(6, 11))[:-1],
                        slug=f"{SLUG_PREFIX}{n}",
                        dek=make_text(rng, vocabulary, weights, rng.randint(15, 28)),
                        body=make_text(rng, vocabulary, weights, rng.randint(250, 600)),
                        kind=rng.choice(kinds),
                        status=Article.Status.PUBLISHED,
                        publish_at=publish_at,
                        first_published_at=publish_at,
                    )
                )
            created = Article.objects.bulk_create(articles)
            TaggedItem.objects.bulk_create(
                TaggedItem(tag=tag, content_type=content_type, object_id=article.pk)
                for article in created
                for tag in rng.sample(tags, rng.randint(1, 3))
            )
            print(f"  seeded {offset + len(created):,} articles", end="\r", flush=True)
    print(f"\nSeeded {count:,} articles in {time.perf_counter() - started:.1f} s.")


def run_once(query):
    from civicsite.search import search

    results = search(query, page=1)
    # Everything the page shows: the count, the articles with their bylines and snippets.
    for article in results.page.object_list:
        article.bylines.all()
    return results


def print_sql_times(query):
    """One more search of ``query``, printing how long each of its SQL statements took."""
    from django.db import connection

    timings = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timed):
        run_once(query)
    print(f"  {query!r}: {len(timings)} statements, {sum(ms for ms, _ in timings):.1f} ms")
    for elapsed, sql in timings:
        print(f"    {elapsed:7.1f} ms  {' '.join(sql.split())[:100]}")


def explain(query):
    """The plan of the query that finds and ranks the articles (civicsite/search.py)."""
    from django.contrib.postgres.search import SearchQuery

    from civicsite import search

    search_query = SearchQuery(query, search_type="websearch", config=search.SEARCH_CONFIG)
    tag_ids = search._tag_ids_postgres(search_query)
    ranked = search.newest_ranked_article_ids(
        search_query, tag_ids, limit=search.MAX_RANKED_ARTICLES + 1
    )
    print(f"Plan for {query!r}:")
    print(ranked.explain(analyze=True))


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main():
    args = parse_args()
    setup_django()
    refuse_unless_local_postgres()
    from django.db import connection

    from articles.models import Article

    if not args.no_seed:
        seed(args.articles)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    queries = QUERY_SETS[args.query_set]
    total = Article.objects.published().count()
    print(f"{total:,} published articles; {len(queries)} queries x {args.rounds} rounds.")
    if args.explain:
        explain("absentee ballots")
    for query in queries:  # warm-up: connection, caches, plans
        run_once(query)
    timings, per_query = [], {query: [] for query in queries}
    for _ in range(args.rounds):
        for query in queries:
            started = time.perf_counter()
            results = run_once(query)
            elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            per_query[query].append((elapsed, results))
    # "matches" is the article count the page shows (capped counts end in "+").
    print(f"{'query':<32} {'articles':>9} {'cands':>5} {'median ms':>10} {'p95 ms':>8}")
    for query, runs in per_query.items():
        elapsed = [ms for ms, _ in runs]
        results = runs[0][1]
        capped = "+" if getattr(results, "article_count_capped", False) else ""
        print(
            f"{query:<32} {f'{results.article_count:,}{capped}':>9} "
            f"{len(results.candidates):>5} {statistics.median(elapsed):>10.1f} "
            f"{percentile(elapsed, 0.95):>8.1f}"
        )
    if args.sql:
        print("\nSQL statements of one search per query:")
        for query in queries:
            print_sql_times(query)
    print(
        f"\nAll {len(timings)} searches: median {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms"
    )


if __name__ == "__main__":
    main()
