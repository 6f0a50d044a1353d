"""Demo articles: four pieces about Atlanta City Council District 5, modelled on the seeds.

The facts and figures come from the seed documents in /work/shared/seeds (see their README);
the prose is ours and short. The rules for writing about real people hold throughout: the
byline is invented ("Demo Desk"), a real outlet is named only as the source of a fact, what
real people said is paraphrased (and labelled so) or kept to a few words, and every image is a
placeholder drawn with Pillow at load time and credited "Illustration".

Loading is idempotent: articles, figures, pull quotes, embeds and interview turns are updated
or created by their natural keys, and a placeholder image is drawn only when its file is
missing, so a second run leaves one copy of everything and writes no new files. Candidates and
races come from candidates.demo (loaded first); one that is missing is skipped with a note.
"""

import datetime
import io
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from articles.models import Article, Author, Byline, Embed, Exchange, Figure, PullQuote
from articles.services import article_render
from candidates.models import Candidacy, Candidate, Election, Race

OFFICE_NAME = "Atlanta City Council District 5"
GENERAL_2017 = datetime.date(2017, 11, 7)
GENERAL_2021 = datetime.date(2021, 11, 2)
RUNOFF_2021 = datetime.date(2021, 11, 30)
ATLANTA = ZoneInfo("America/New_York")

DEMO_DESK = {
    "slug": "demo-desk",
    "name": "Demo Desk",
    "bio": (
        "An invented byline for this site's demo content. The facts come from public "
        "reporting on Atlanta's 2017 and 2021 council races; the sentences are ours."
    ),
}

PHOTO_CREDIT_LINE = "Images: placeholder illustrations generated for this demo"


def _at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=ATLANTA)


# Each figure: key, colour, shape and the honest description of what is drawn.
ARTICLES = [
    {
        "slug": "liliana-bakhtiari-2017-campaign-profile",
        "kind": Article.Kind.PROFILE,
        "title": "Liliana Bakhtiari on the campaign that came 252 votes short",
        "dek": (
            "A first-time candidate for Atlanta City Council District 5 raised $132,000 in "
            "eight months, mostly in small gifts, and nearly unseated a 15-year incumbent."
        ),
        "publish_at": _at(2018, 6, 1),
        "body": """\
In September 2017 a mixed crowd of neighbors, artists, activists and high school students met
in a garden on Ponce de Leon Avenue to hear a first-time candidate for Atlanta City Council,
District 5. Liliana Bakhtiari, who grew up in Atlanta in an Iranian immigrant family, did not
fit the usual picture of a council candidate, and the people who came wanted to know more.

[figure: garden]

Her background was organizing. As a child she helped out at her father's pharmacy on Auburn
Avenue; at university she and friends started a group protesting the killings in Darfur, and
later work took her to Kenya and Cambodia. Friends had urged her to run for years, and she
kept declining. The 2017 travel ban, which left relatives of hers stranded abroad, is what she
says changed her mind.

## Small gifts, many donors

The campaign ran on small donations: $132,000 raised in eight months, an average gift of $75
from more than 1,700 donors. By one published account, the campaign out-raised the incumbent
three times.
Potlucks, comedy nights, drag shows and dance parties doubled as fundraisers, so that nobody
was priced out of meeting the candidate.

[pullquote: incumbents]

Figures like that one describe the hurdle every challenger faces: voters send incumbents back
even when they think poorly of the institution.

[figure: doors]

## The margin

The seat stayed with Natalyn Archibong, the incumbent since 2002, by 252 votes. Looking back,
Bakhtiari said that starting a month earlier might have changed the result, and that she
hoped to be on the ballot again within a few years.
""",
        "figures": [
            {
                "key": "lead",
                "colour": (11, 79, 138),
                "shape": "circles",
                "alt_text": "Placeholder illustration: three pale circles on a flat blue field.",
                "caption": "Placeholder for a portrait of the candidate.",
            },
            {
                "key": "garden",
                "colour": (29, 107, 53),
                "shape": "bars",
                "alt_text": "Placeholder illustration: pale vertical bars on a flat green field.",
                "caption": "Placeholder for a photo of the September 2017 garden meeting.",
            },
            {
                "key": "doors",
                "colour": (122, 74, 0),
                "shape": "squares",
                "alt_text": "Placeholder illustration: four pale squares on a flat brown field.",
                "caption": "Placeholder for a photo of the campaign knocking on doors.",
            },
        ],
        "pull_quotes": [
            {
                "key": "incumbents",
                "text": (
                    "Congress had an 11% approval rating, yet 96% of incumbents were re-elected."
                ),
                "source": "Politico, 2014",
            }
        ],
        "tags": ["Atlanta City Council", "District 5", "2017 election"],
        "candidates": ["Liliana Bakhtiari"],
        "races": [GENERAL_2017],
    },
    {
        "slug": "archibong-keeps-district-5-seat-by-252-votes",
        "kind": Article.Kind.NEWS,
        "title": "Archibong keeps District 5 seat by 252 votes",
        "dek": (
            "The incumbent since 2002 held off first-time challenger Liliana Bakhtiari, "
            "whose campaign had nearly matched her fundraising."
        ),
        "publish_at": _at(2017, 11, 14, 15),
        "body": """\
Natalyn Archibong will keep her seat on the Atlanta City Council. The District 5 incumbent,
who has held the seat since 2002, finished 252 votes ahead of Liliana Bakhtiari in the Nov. 7
election.

The result surprised some observers. Several outlets had treated Bakhtiari, an
Iranian-American first-time candidate, as the likely winner, and her campaign had nearly
matched Archibong's fundraising dollar for dollar after a widely shared Teen Vogue article in
August.

Across the country about 71 openly LGBT candidates ran in 23 states on Nov. 7, and three of
them won historic races. Bakhtiari was not among the winners, but a week later she answered a
supporter on Twitter:

[embed: after-the-count]

Before the count, Bakhtiari answered questions from The Iranian, which published the exchange
afterwards. Below is our paraphrase of one question and her answer, not a transcript.
""",
        "figures": [
            {
                "key": "lead",
                "colour": (107, 44, 145),
                "shape": "circles",
                "alt_text": "Placeholder illustration: three pale circles on a flat purple field.",
                "caption": "Placeholder for an election-night photo.",
            }
        ],
        "embeds": [
            {
                "key": "after-the-count",
                "author_name": "Liliana Bakhtiari",
                "handle": "@LilianaforATL",
                "posted_on": datetime.date(2017, 11, 14),
                "text": "In or out of office, I'm ready to get to it.",
                # The seed gives no address for the post itself, so this links to the account.
                "url": "https://twitter.com/LilianaforATL",
            }
        ],
        "exchanges": [
            {
                "speaker": "The Iranian (paraphrased)",
                "is_question": True,
                "text": (
                    "How does she understand the racist messages she received during the "
                    "campaign, and what would she tell people facing racism and xenophobia?"
                ),
            },
            {
                "speaker": "Liliana Bakhtiari (paraphrased)",
                "is_question": False,
                "text": (
                    "She said people should invest in their communities and build inclusive "
                    "spaces, and should not make themselves small or quiet: the hostile climate "
                    "is a reason to stand up for representation."
                ),
            },
        ],
        "tags": ["Atlanta City Council", "District 5", "2017 election"],
        "candidates": ["Liliana Bakhtiari", "Natalyn Archibong"],
        "races": [GENERAL_2017],
    },
    {
        "slug": "district-5-heads-to-runoff-bakhtiari-mahoney",
        "kind": Article.Kind.NEWS,
        "title": "District 5 heads to a runoff: Bakhtiari and Mahoney meet Nov. 30",
        "dek": (
            "Liliana Bakhtiari led a five-way race with 49.50% of the vote, just short of the "
            "majority Atlanta requires to win outright."
        ),
        "publish_at": _at(2021, 11, 3, 11),
        "body": """\
The race for Atlanta City Council District 5 will be settled in a runoff on Nov. 30 between
Liliana Bakhtiari and Mandy Mahoney.

Bakhtiari finished first of five candidates with 5,134 votes, or 49.50%. Mahoney was second
with 1,894 votes (18.26%), just ahead of Samuel Bacote with 1,852 (17.85%). Katie Kissell
received 848 votes and Doug Williams 642. All precincts had reported: 6 of 6 in DeKalb County
and 8 of 8 in Fulton County.

## Why there is a runoff

Under the city's rules, as the City of Atlanta's website sets them out, a candidate needs a
majority of the votes cast, 50% plus one vote, to win outright. Of the 10,370 votes counted,
that meant 5,186; Bakhtiari was 52 short. When nobody clears that bar, the two candidates with
the most votes across Fulton and DeKalb counties meet again.

## What the candidates said

In a Facebook post, Bakhtiari thanked the voters and volunteers behind the campaign and noted
that it had come up just short of an outright win. Mahoney, in a campaign email, thanked her
supporters and said she would bring the same commitment to the runoff.

## Meet the candidates

Decaturish will host a forum with both runoff candidates on Twitch on Wednesday, Nov. 10, at
10:30 a.m.
""",
        "figures": [
            {
                "key": "lead",
                "colour": (35, 90, 99),
                "shape": "bars",
                "alt_text": "Placeholder illustration: pale vertical bars on a flat teal field.",
                "caption": "Placeholder for a photo of a polling place.",
            }
        ],
        "tags": ["Atlanta City Council", "District 5", "2021 election", "runoff"],
        "candidates": [
            "Samuel Bacote",
            "Liliana Bakhtiari",
            "Katie Kissell",
            "Mandy Mahoney",
            "Doug Williams",
        ],
        "races": [GENERAL_2021],
    },
    {
        "slug": "runoff-voter-guide-liliana-bakhtiari-district-5",
        "kind": Article.Kind.VOTER_GUIDE_QA,
        "title": "Runoff voter guide: Liliana Bakhtiari, Atlanta City Council District 5",
        "dek": (
            "Liliana Bakhtiari is in the Nov. 30 runoff. Each candidate in the race was asked "
            "the same questions."
        ),
        "publish_at": _at(2021, 11, 20),
        "body": """\
Liliana Bakhtiari faces Mandy Mahoney in the Nov. 30 runoff for Atlanta City Council
District 5. Bakhtiari led the Nov. 2 general election with 49.50% of the vote, short of the
majority needed to win outright.

Both runoff candidates were asked the same questions: on public safety, on infrastructure and
city services, on housing affordability, and why voters should choose them. For this demo the
answers below are short summaries of what the candidate's published answers said; the demo
holds no answers from her opponent.
""",
        "figures": [
            {
                "key": "lead",
                "colour": (164, 22, 26),
                "shape": "squares",
                "alt_text": "Placeholder illustration: four pale squares on a flat red field.",
                "caption": "Placeholder for a photo of the candidate.",
            }
        ],
        "tags": ["Atlanta City Council", "District 5", "2021 election", "runoff"],
        "candidates": ["Liliana Bakhtiari"],
        "races": [RUNOFF_2021],
        "answers_of": "Liliana Bakhtiari",
    },
]


def load(*, stdout, verbosity=1):
    author, _ = Author.objects.update_or_create(slug=DEMO_DESK["slug"], defaults=DEMO_DESK)
    skipped = []
    figure_count = 0
    for spec in ARTICLES:
        article = _article(spec, author)
        figures = {fields["key"]: _figure(article, **fields) for fields in spec.get("figures", [])}
        figure_count += len(figures)
        for fields in spec.get("pull_quotes", []):
            PullQuote.objects.update_or_create(article=article, key=fields["key"], defaults=fields)
        for fields in spec.get("embeds", []):
            Embed.objects.update_or_create(article=article, key=fields["key"], defaults=fields)
        _exchanges(article, spec.get("exchanges", []))
        article.lead_figure = figures.get("lead")
        article.save(update_fields=["lead_figure"])
        # The body was saved before its figures, quotes and posts existed: place them now.
        article_render(article=article)
        article.tags.set(spec["tags"])
        skipped += _relations(article, spec)
    if verbosity:
        stdout.write(
            f"Articles: {len(ARTICLES)} demo articles by {author.name} "
            f"({figure_count} placeholder figures)."
        )
        for note in skipped:
            stdout.write(f"  Skipped {note} (not in the database; load candidates.demo first).")


def _article(spec, author):
    fields = {name: spec[name] for name in ("kind", "title", "dek", "body", "publish_at")} | {
        "status": Article.Status.PUBLISHED,
        "photo_credit_line": PHOTO_CREDIT_LINE,
    }
    article, _ = Article.objects.update_or_create(slug=spec["slug"], defaults=fields)
    Byline.objects.update_or_create(article=article, author=author, defaults={"order": 0})
    article.bylines.exclude(author=author).delete()
    return article


def _figure(article, *, key, colour, shape, alt_text, caption):
    """A placeholder figure; its image (and so its renditions) is drawn only when missing."""
    name = f"figures/demo/{article.slug}-{key}.jpg"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(_placeholder_jpeg(colour, shape)))
    figure = Figure.objects.filter(article=article, key=key).first() or Figure(
        article=article, key=key
    )
    figure.image.name = name
    figure.alt_text = alt_text
    figure.caption = caption
    figure.credit = "Illustration"
    figure.save()
    return figure


def _exchanges(article, turns):
    for order, fields in enumerate(turns):
        Exchange.objects.update_or_create(article=article, order=order, defaults=fields)
    article.exchanges.filter(order__gte=len(turns)).delete()


def _relations(article, spec):
    """Point the article at its candidates, races and elections; report what is missing."""
    skipped = []
    candidates = []
    for name in spec["candidates"]:
        candidate = Candidate.objects.filter(name=name).first()
        if candidate:
            candidates.append(candidate)
        else:
            skipped.append(f"candidate {name!r} for {article.slug}")
    races = []
    for date in spec["races"]:
        race = Race.objects.filter(office__name=OFFICE_NAME, election__date=date).first()
        if race:
            races.append(race)
        else:
            skipped.append(f"the {OFFICE_NAME} race of {date:%Y-%m-%d} for {article.slug}")
    if spec.get("answers_of") and races:
        candidacy = Candidacy.objects.filter(
            race=races[0], candidate__name=spec["answers_of"]
        ).first()
        if candidacy and article.candidacy_id != candidacy.pk:
            article.candidacy = candidacy
            article.save(update_fields=["candidacy"])
    article.candidates.set(candidates)
    article.races.set(races)
    article.elections.set(Election.objects.filter(races__in=races).distinct())
    return skipped


def _placeholder_jpeg(colour, shape, size=(1600, 1000)):
    """A flat colour with a few pale shapes and the word "Illustration": clearly not a photo."""
    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    pale = tuple(min(255, c + 110) for c in colour)
    if shape == "circles":
        for n in range(3):
            x = width * (0.3 + 0.2 * n)
            draw.ellipse(
                (x - 220, height / 2 - 220, x + 220, height / 2 + 220), outline=pale, width=18
            )
    elif shape == "bars":
        for n in range(5):
            x = width * (0.2 + 0.15 * n)
            top = height * (0.25 + 0.08 * (n % 3))
            draw.rectangle((x - 60, top, x + 60, height * 0.8), fill=pale)
    else:
        for n in range(4):
            x = width * (0.2 + 0.2 * n)
            draw.rectangle((x - 120, height / 2 - 120, x + 120, height / 2 + 120), fill=pale)
    font = ImageFont.load_default(size=56)
    draw.text((width - 48, height - 48), "Illustration", fill="#ffffff", font=font, anchor="rd")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
