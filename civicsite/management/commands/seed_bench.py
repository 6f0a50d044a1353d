"""Fill the database with a newsroom-sized, made-up data set for ``make bench``.

Why: query counts and speed only mean something at the size a real newsroom reaches after a
few election cycles (about 20,000 articles, 2,000 candidates, 200 elections with 1,000 races
and their county results, 50 voter guides, 100,000 comments). ``--scale 0.1`` makes a set ten
times smaller, to show that the number of queries per page does not grow with the data.

Everything is invented and marked as such: people are "Bench Person 0001", bylines "Bench
Desk", and every slug starts with ``sb-`` (seeds/README.md: never invent a real person's words).
The rows are written with ``bulk_create`` in batches, deterministically from ``--seed``, so two
runs with the same options give the same data. The command refuses to run twice; ``--reset``
deletes the earlier bench rows (and only those) first.
"""

import datetime
import random
import time

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.comment_text import comment_fingerprint, render_comment_text
from articles.models import Article, Author, Byline, Comment
from articles.rendering import render_body
from candidates.models import (
    Answer,
    Candidacy,
    Candidate,
    Election,
    Office,
    Question,
    Questionnaire,
    Race,
    ReportingUnit,
    VoteCount,
)
from civicsite.core import pagecache

PREFIX = "sb-"
BATCH = 2000
SIZES = {
    "articles": 20_000,
    "candidates": 2_000,
    "elections": 200,
    "races": 1_000,
    "questionnaires": 50,
    "comments": 100_000,
}
COUNTIES = ["Fulton", "DeKalb", "Cobb"]
CANDIDACIES_PER_RACE = 4
QUESTIONS_PER_GUIDE = 5
TAGS = 100
AUTHORS = 50
WORDS = [
    "council",
    "runoff",
    "district",
    "ballot",
    "turnout",
    "precinct",
    "county",
    "election",
    "mayor",
    "budget",
    "transit",
    "housing",
    "zoning",
    "police",
    "parks",
    "water",
    "schools",
    "library",
    "audit",
    "vote",
    "candidate",
    "campaign",
    "forum",
    "debate",
    "early",
    "absentee",
    "polling",
    "registration",
    "commission",
    "seat",
    "incumbent",
    "challenger",
    "neighborhood",
    "beltline",
    "sidewalk",
    "tax",
    "bond",
    "referendum",
    "utility",
    "permit",
    "streetlight",
]
# The first article: the one the benchmark reads, with 50 comments on it.
BENCH_ARTICLE_COMMENTS = 50


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def sentence(rng, n=14):
    return words(rng, n).capitalize() + "."


class Command(BaseCommand):
    help = "Seed a large made-up data set for the benchmark (slugs start with sb-)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply every size (0.1: ten times smaller)"
        )
        parser.add_argument("--reset", action="store_true", help="delete earlier bench rows first")
        for name, default in SIZES.items():
            parser.add_argument(f"--{name}", type=int, default=None, help=f"default {default}")

    def handle(self, *args, **options):
        sizes = {
            name: options[name]
            if options[name] is not None
            else max(1, round(n * options["scale"]))
            for name, n in SIZES.items()
        }
        sizes["races"] = max(sizes["races"], sizes["elections"])
        sizes["questionnaires"] = min(sizes["questionnaires"], sizes["races"])
        if Article.objects.filter(slug__startswith=PREFIX).exists():
            if not options["reset"]:
                raise CommandError(
                    "The bench data set is already here; use --reset to delete it and seed again."
                )
            self.reset()
        self.verbosity = options["verbosity"]
        started = time.monotonic()
        rng = random.Random(options["seed"])
        with transaction.atomic():
            self.seed(rng, sizes)
        if connection.vendor == "postgresql":
            # Fresh planner statistics, as autovacuum would soon give: right after a bulk load
            # PostgreSQL still thinks the tables are tiny and picks nested loops over them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        pagecache.invalidate()
        if options["verbosity"] >= 1:
            summary = ", ".join(f"{n:,} {name}" for name, n in sizes.items())
            self.stdout.write(f"Seeded {summary} in {time.monotonic() - started:.0f} s.")

    def log(self, message):
        if self.verbosity >= 2:
            self.stdout.write(message)

    def reset(self):
        with transaction.atomic():
            articles = Article.objects.filter(slug__startswith=PREFIX)
            TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(Article),
                object_id__in=articles.values("pk"),
            ).delete()
            articles.delete()  # their bylines, comments and links to races go with them
            Tag.objects.filter(slug__startswith=PREFIX).delete()
            Author.objects.filter(slug__startswith=PREFIX).delete()
            Election.objects.filter(slug__startswith=PREFIX).delete()  # races, results, guides
            Candidate.objects.filter(slug__startswith=PREFIX).delete()
            Office.objects.filter(slug__startswith=PREFIX).delete()

    def seed(self, rng, sizes):
        now = timezone.now()
        today = timezone.localdate()

        # Offices, elections, races (5 per election by default), counties and results.
        n_elections, n_races = sizes["elections"], sizes["races"]
        per_election = -(-n_races // n_elections)
        offices = Office.objects.bulk_create(
            Office(
                name=f"Bench County Commission District {n}",
                slug=f"{PREFIX}office-{n}",
                body="Bench County Commission",
                district=str(n),
            )
            for n in range(1, per_election + 1)
        )
        elections = Election.objects.bulk_create(
            (
                Election(
                    name=f"Bench general election {n}",
                    slug=f"{PREFIX}election-{n:04d}",
                    date=today - datetime.timedelta(days=30 + 7 * n),
                    jurisdiction="Bench County",
                )
                for n in range(n_elections)
            ),
            batch_size=BATCH,
        )
        races = []
        for n in range(n_races):
            election = elections[n % n_elections]
            office = offices[n // n_elections]
            races.append(
                Race(
                    election=election,
                    office=office,
                    slug=f"{PREFIX}{office.slug[len(PREFIX) :]}",
                    status=Race.Status.CERTIFIED,
                    final_at=now,
                    results_updated_at=now,
                )
            )
        races = Race.objects.bulk_create(races, batch_size=BATCH)
        candidates = Candidate.objects.bulk_create(
            (
                Candidate(
                    name=f"Bench Person {n:04d}",
                    slug=f"{PREFIX}person-{n:04d}",
                    bio=sentence(rng, 30),
                )
                for n in range(sizes["candidates"])
            ),
            batch_size=BATCH,
        )
        candidacies = []
        for race in races:
            picked = rng.sample(range(len(candidates)), min(CANDIDACIES_PER_RACE, len(candidates)))
            candidacies += [
                Candidacy(race=race, candidate=candidates[c], ballot_order=order)
                for order, c in enumerate(picked, start=1)
            ]
        candidacies = Candidacy.objects.bulk_create(candidacies, batch_size=BATCH)
        units = ReportingUnit.objects.bulk_create(
            (
                ReportingUnit(race=race, name=county, precincts_total=40, precincts_reporting=40)
                for race in races
                for county in COUNTIES
            ),
            batch_size=BATCH,
        )
        units_by_race = {}
        for unit in units:
            units_by_race.setdefault(unit.race_id, []).append(unit)
        VoteCount.objects.bulk_create(
            (
                VoteCount(candidacy=candidacy, unit=unit, votes=rng.randint(100, 20_000))
                for candidacy in candidacies
                for unit in units_by_race[candidacy.race_id]
            ),
            batch_size=BATCH,
        )
        self.log(f"{len(races)} races, {len(candidacies)} candidacies")

        # Voter guides: the first races of the newest elections, all answered.
        guide_races = races[: sizes["questionnaires"]]
        questionnaires = Questionnaire.objects.bulk_create(
            Questionnaire(
                race=race,
                title=f"{race.office.name} voter guide",
                intro=sentence(rng, 25),
                published=True,
                sent_on=today,
            )
            for race in guide_races
        )
        questions = Question.objects.bulk_create(
            Question(
                questionnaire=questionnaire,
                order=order,
                short_label=words(rng, 2).title(),
                text=sentence(rng, 12).rstrip(".") + "?",
            )
            for questionnaire in questionnaires
            for order in range(1, QUESTIONS_PER_GUIDE + 1)
        )
        by_race = {}
        for candidacy in candidacies:
            by_race.setdefault(candidacy.race_id, []).append(candidacy)
        answers = []
        for question in questions:
            for candidacy in by_race[question.questionnaire.race_id]:
                text = " ".join(sentence(rng) for _ in range(4))
                answers.append(
                    Answer(
                        question=question,
                        candidacy=candidacy,
                        text=text,
                        text_html=f"<p>{text}</p>",  # plain words: what the renderer would give
                        received_on=today,
                    )
                )
        Answer.objects.bulk_create(answers, batch_size=BATCH)

        # Authors, tags, articles with bylines and tags, related races and candidates.
        authors = Author.objects.bulk_create(
            Author(name=f"Bench Desk {n}", slug=f"{PREFIX}desk-{n}", bio="Made-up byline.")
            for n in range(AUTHORS)
        )
        tags = Tag.objects.bulk_create(
            Tag(name=f"Bench {word} {n}", slug=f"{PREFIX}{word}-{n}")
            for n, word in enumerate(rng.choice(WORDS) for _ in range(TAGS))
        )
        # A few hundred distinct bodies, rendered once each (Markdown and nh3 are the slow part).
        bodies = []
        for _ in range(200):
            body = "\n\n".join(
                " ".join(sentence(rng, rng.randint(10, 22)) for _ in range(4)) for _ in range(6)
            )
            bodies.append((body, render_body(body).html))
        kinds = [Article.Kind.NEWS] * 6 + [Article.Kind.PROFILE, Article.Kind.INTERVIEW]
        articles = []
        for n in range(sizes["articles"]):
            body, body_html = rng.choice(bodies)
            published = now - datetime.timedelta(minutes=30 * n + 5)
            articles.append(
                Article(
                    title=f"{sentence(rng, 7).rstrip('.')} ({n})",
                    slug=f"{PREFIX}article-{n:05d}",
                    dek=sentence(rng, 18),
                    kind=rng.choice(kinds),
                    body=body,
                    body_html=body_html,
                    status=Article.Status.PUBLISHED,
                    publish_at=published,
                    first_published_at=published,
                )
            )
        articles = Article.objects.bulk_create(articles, batch_size=BATCH)
        Byline.objects.bulk_create(
            (Byline(article=a, author=rng.choice(authors)) for a in articles), batch_size=BATCH
        )
        article_type = ContentType.objects.get_for_model(Article)
        TaggedItem.objects.bulk_create(
            (
                TaggedItem(tag=tag, content_type=article_type, object_id=article.pk)
                for article in articles
                for tag in rng.sample(tags, 2)
            ),
            batch_size=BATCH,
        )
        Article.races.through.objects.bulk_create(
            (
                Article.races.through(article_id=article.pk, race_id=races[n % len(races)].pk)
                for n, article in enumerate(articles[::10])
            ),
            batch_size=BATCH,
        )
        Article.candidates.through.objects.bulk_create(
            (
                Article.candidates.through(
                    article_id=article.pk, candidate_id=candidates[n % len(candidates)].pk
                )
                for n, article in enumerate(articles[::10])
            ),
            batch_size=BATCH,
        )

        # Comments, approved: 50 on the first article, the rest spread over the others.
        rest = max(0, sizes["comments"] - BENCH_ARTICLE_COMMENTS)
        targets = [articles[0]] * min(BENCH_ARTICLE_COMMENTS, sizes["comments"]) + [
            articles[1 + n % (len(articles) - 1)] if len(articles) > 1 else articles[0]
            for n in range(rest)
        ]
        phrases = [" ".join(sentence(rng) for _ in range(2)) for _ in range(500)]
        comments = []
        for n, article in enumerate(targets):
            name, email = f"Bench Reader {n % 997}", f"reader{n % 997}@example.org"
            text = f"{rng.choice(phrases)} ({n})"
            comments.append(
                Comment(
                    article=article,
                    name=name,
                    email=email,
                    text=text,
                    text_html=render_comment_text(text),
                    fingerprint=comment_fingerprint(name=name, email=email, text=text),
                    status=Comment.Status.APPROVED,
                    created_at=now - datetime.timedelta(minutes=n % 10_000),
                )
            )
            if len(comments) == BATCH:
                Comment.objects.bulk_create(comments)
                comments = []
        Comment.objects.bulk_create(comments)
