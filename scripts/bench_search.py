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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="time what is already there")
    parser.add_argument("--explain", action="store_true", help="print the plan of one query")
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


def explain(query):
    from django.contrib.postgres.search import SearchQuery

    from articles.models import Article
    from civicsite.search import article_document

    search_query = SearchQuery(query, search_type="websearch", config="english")
    articles = (
        Article.objects.published().alias(document=article_document()).filter(document=search_query)
    )
    print(articles.explain(analyze=True))


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
    total = Article.objects.published().count()
    print(f"{total:,} published articles; {len(QUERIES)} queries x {args.rounds} rounds.")
    if args.explain:
        explain("absentee ballots")
    for query in QUERIES:  # warm-up: connection, caches, plans
        run_once(query)
    timings, per_query = [], {query: [] for query in QUERIES}
    for _ in range(args.rounds):
        for query in QUERIES:
            started = time.perf_counter()
            results = run_once(query)
            elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            per_query[query].append((elapsed, results.article_count))
    print(f"{'query':<32} {'matches':>8} {'median ms':>10}")
    for query, runs in per_query.items():
        median = statistics.median(elapsed for elapsed, _ in runs)
        print(f"{query:<32} {runs[0][1]:>8,} {median:>10.1f}")
    print(
        f"\nAll {len(timings)} searches: median {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms"
    )


if __name__ == "__main__":
    main()
