"""Realistic extras for the audit (scripts/audit.py), on top of the demo content.

The demo shows the seeds' races as they ended; an audit of the pages needs what real data
brings on election night and after: a race still counting with county results coming in, a
called race, a final one, a ballot measure, a voter guide that three candidates answered, a
long article (about 2,000 words, Markdown headings, quotes and lists) and approved comments,
long and short, with a reply.

Everything here is made up and says so: the county ("Fernhollow County"), its candidates and
readers are invented, the byline is "Audit Desk", and every slug starts with ``audit-``
(seeds/README.md: never invent a real person's words). The prose is ours.

Run by scripts/audit.py in the throwaway site's environment, after ``load_demo``:
``python scripts/audit_data.py`` loads the data and prints, as JSON, the address of one page
of every type. Records are written through the services an editor's action would use.
"""

import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "audit-"
DEMO_GENERAL = "2021-11-02-atlanta-municipal-general-election"
DEMO_CANDIDATE = "liliana-bakhtiari"

CANDIDATES = [
    ("Odalys Prewitt", "Odalys Prewitt"),
    ("Tomasz Wendling", 'Tomasz "Tom" Wendling'),
    ("Marguerite Oyelaran", "Marguerite Oyelaran"),
    ("Bennett Hale", "Bennett Hale"),
    ("Rosalind Achterberg", "Rosalind Achterberg"),
    ("Priya Castellanos", "Priya Castellanos"),
]
COUNTIES = [("North Fernhollow", 21), ("South Fernhollow", 14)]  # (name, precincts)

QUESTIONS = [
    (
        "Water",
        "The county plans to replace its oldest water mains over ten years. Should that go "
        "faster, and how would you pay for it?",
    ),
    (
        "Housing",
        "What one change would you make to the county's zoning rules to bring down rents?",
    ),
    (
        "Transit",
        "Would you keep, cut or expand the weekend bus routes that started as a pilot last "
        "year? Why?",
    ),
]
# Invented answers of invented candidates: (question label, candidate name, text).
ANSWERS = {
    "Odalys Prewitt": [
        "Faster, yes. I would ask voters for a dedicated bond so the work is not at the mercy "
        "of each year's budget, and publish a map of every main with its age and the year it "
        "is due.\n\nA ten-year plan that slips by two years every cycle is a twenty-year plan.",
        "Allow two- and three-unit homes on any lot within half a mile of a bus line.",
        "Expand them. Ridership on Saturdays doubled in the pilot's second half, and the "
        "routes reach the clinics and grocery stores people asked for.",
    ],
    'Tomasz "Tom" Wendling': [
        "The current pace is realistic for the crews we have. I would rather finish on time "
        "than promise speed we cannot staff. Any new money should come from the federal "
        "infrastructure grants before we raise rates.",
        "Cut the parking minimums for new apartments; they add cost to every unit.",
        "Keep them as they are for another year and publish the ridership by stop, so the "
        "decision rests on numbers rather than anecdotes.",
    ],
    "Marguerite Oyelaran": [
        "Start with the mains under schools and the two hospitals, then go street by street. "
        "I would pay for it with a small, visible line on the water bill that ends when the "
        "work ends.",
        "Let homeowners build a backyard cottage without a special permit.",
        "Expand the Sunday service first: that is when nurses and retail workers have no other "
        "way to get to work.",
    ],
}

COMMENTS = [
    ("Hollis Brandt", "Thanks for the map. Our street is on it for 2027."),
    (
        "June Takahashi",
        "I went to the commission meeting where this was discussed and it was clear the staff "
        "had done their homework, but nobody could say what happens if the bond fails. The "
        "article answers that better than the meeting did: the work slows to the pace the "
        "regular budget allows, which by the county's own figures means finishing around "
        "2041 instead of 2034.\n\nI would like a follow-up on the lead service lines on the "
        "private side of the meter. Those are the ones homeowners pay for, and the article "
        "only mentions them once. Who decides which blocks get the subsidy first?",
    ),
    ("Dev Okonkwo", "Good explainer. Bookmarked."),
    (
        "Carmen Ilves",
        "Small correction request: the treatment plant on Mill Road was built in 1962, not "
        "1964 (the plaque by the gate says so). Otherwise a careful piece, and it is the "
        "first one I have read that explains why a main break on one street lowers the "
        "pressure three streets away.",
    ),
    (
        "Arlo Fenwick",
        "Is there a list of the contractors who bid on the first phase? "
        "https://example.org/fernhollow-bids would be the place I'd expect it.",
    ),
]
REPLY = ("Audit Desk", "We are working on that follow-up; thanks for the question.")


def long_article_body():
    """About 2,000 words of our own prose on an invented topic, in the Markdown editors use."""
    return "\n\n".join(
        [
            "Fernhollow County's water system is older than most of the people who depend on "
            "it. Roughly a third of its 410 miles of mains went into the ground before 1960, "
            "and the county's engineers now say that about forty of those miles are past the "
            "point where patching them makes sense. This spring the county commission "
            "adopted a ten-year plan to replace them, and in November voters will decide "
            "whether to pay for part of it with a bond. What follows is what the plan does, "
            "what it costs, and what it means for the people who live along the streets that "
            "will be dug up first.",
            "## How old is the system?",
            "The oldest mains are cast iron, laid between the 1920s and the early 1950s, "
            "mostly under the neighbourhoods around the old courthouse square and along the "
            "rail line. Cast iron was the standard material for decades and much of it has "
            "lasted far longer than its builders expected. But it becomes brittle as it "
            "corrodes from the inside, and it cracks when the ground shifts in a hard freeze "
            "or a dry summer. The county recorded 212 main breaks last year, up from 150 five "
            "years earlier; three out of four were on cast-iron pipe.",
            "The next generation of pipe, ductile iron, went in from the late 1950s onward. It "
            "is tougher, but the early ductile pipe was laid without the plastic sleeves that "
            "protect later installations from corrosive soil. In the clay along the creek "
            "bottoms that unprotected pipe has aged badly, and some of it now breaks as often "
            "as the cast iron it replaced.",
            "Newer parts of the county, built out since the 1980s, are served mostly by PVC "
            "and sleeved ductile iron. Those mains are expected to last well past the end of "
            "the century, and the plan leaves them alone.",
            "## What the plan does",
            "The plan ranks every main by two measures: how likely it is to fail, judged from "
            "its material, age, soil and break history, and how much harm a failure would do, "
            "judged from what the main serves. A pipe under a hospital, a school or a fire "
            "station counts for more than a pipe under a cul-de-sac, and a large transmission "
            "main that feeds a whole pressure zone counts for more than a small one serving a "
            "single block.",
            "The ranking puts about 40 miles in the first tier. The county intends to replace "
            "roughly four miles a year, starting with the blocks around the two hospitals and "
            "the high school, then moving outward through the older neighbourhoods. Each "
            "project is scheduled alongside any planned road resurfacing, so a street is dug "
            "up once rather than twice.",
            "The plan also sets aside money for the service lines that connect each house to "
            "the main. The public side of those lines, up to the meter, belongs to the county "
            "and will be replaced with the main. The private side belongs to the owner. Where "
            "an inspection finds lead on the private side, the county will offer to replace "
            "it at the same time, with a subsidy that covers most of the cost for owners "
            "below an income limit.",
            "## What it costs",
            "The county's estimate for the first tier is $186 million over ten years, in "
            "today's dollars. About a third is expected to come from state and federal "
            "grants and low-interest loans, which the county has already applied for. The "
            "rest would come from two sources: the regular capital budget, funded by water "
            "rates, and the bond on the November ballot.",
            "The bond question asks voters to approve $95 million in borrowing, repaid over "
            "twenty years. The county's finance office estimates that repaying it would add "
            "about $4.10 a month to the typical household's water bill at its peak, falling "
            "as older debt is retired. Without the bond, the plan would proceed at whatever "
            "pace the regular budget allows, which the finance office puts at about half the "
            "planned rate.",
            "> A ten-year plan paid for out of each year's budget is, in practice, a "
            "twenty-year plan, because every tight year pushes the work back.",
            "That is how the county's utility director summed it up for the commission in "
            "March, in a presentation whose slides are posted on the county's website. "
            "Critics of the bond do not dispute the need for the work; their argument is "
            "about how to pay for it and who should bear the cost.",
            "## The arguments for and against the bond",
            "Supporters make three points. First, borrowing now locks in the work before "
            "construction costs rise further; the price of ductile pipe has gone up by about "
            "a quarter in three years. Second, a bond spreads the cost over the people who "
            "will use the new mains for the next fifty years, rather than loading it onto "
            "today's ratepayers. Third, the bond comes with a schedule the county must "
            "publish and report against, which makes delays visible.",
            "Opponents make three points of their own. Interest on the bond would add "
            "roughly $38 million to the total cost over twenty years, money that could "
            "otherwise pay for more pipe. The county has not yet heard back on most of its "
            "grant applications, and some opponents would rather wait a year to see how much "
            "outside money arrives. And a flat increase in the monthly bill weighs more "
            "heavily on households with low incomes, who already spend a larger share of "
            "their budget on water.",
            "The commission voted 4 to 1 to put the question on the ballot. The commissioner "
            "who voted against it said she supports the replacement plan but wanted the "
            "ballot language to commit the county to a rate discount for low-income "
            "households. The majority said such a discount can be set by ordinance and does "
            "not belong in a bond question.",
            "## What residents on the first streets can expect",
            "The first projects are scheduled to begin next spring, whatever the outcome in "
            "November, because they are already funded by a state loan. The county says each "
            "block will get at least two weeks' notice by mail and a door hanger, with the "
            "name and number of the project's inspector.",
            "During the work, residents can expect:",
            "- a temporary water line along the curb, connected to each house, for four to "
            "six weeks;\n- one or two planned shut-offs of a few hours each, announced at "
            "least two days ahead;\n- parking restrictions on one side of the street while "
            "crews are working;\n- a repaved trench, and a full resurfacing of the street "
            "within a year where one is already scheduled.",
            "The county also promises to test the water in every house where a lead service "
            "line is replaced, before and after the work, and to give each household a "
            "filter and cartridges for six months afterwards. Disturbing an old lead line "
            "can release particles for a while, and the filters are meant to cover that "
            "period.",
            "## How to check your street",
            "The county has published a map of the first-tier mains, colour-coded by the "
            "year each is scheduled for replacement. It can be searched by address. The map "
            "also shows the material and installation decade of each main, where the records "
            "have them; for about one main in ten the records are incomplete, and those are "
            "marked as unknown until crews dig them up.",
            "Residents who believe their private service line contains lead can ask for a "
            "free inspection through the utility's customer service line. Inspectors look at "
            "the pipe where it enters the house, usually in a basement or crawl space, and "
            "can tell lead from copper or galvanised steel by its colour and by scratching it "
            "gently: lead is soft and turns shiny silver.",
            "## What happens next",
            "The bond question will appear on the November ballot as a yes-or-no question "
            "and needs a simple majority to pass. Early voting starts three weeks before "
            "election day. The county will hold two public information sessions in October, "
            "one at the main library and one at the community centre on Alder Street; both "
            "will be recorded and posted online.",
            "Whatever voters decide, the commission has said it will review the plan every "
            "two years, using the break records and the inspection results to re-rank the "
            "remaining mains. Pipes that fail more often than expected can move up the list; "
            "pipes that turn out to be in better shape can move down.",
            "We will follow the plan's progress, publish the break figures when the county "
            "releases them each quarter, and report on the first projects as they begin. If "
            "a project on your street does not go as described here, we would like to hear "
            "about it.",
            "## A note on our sources",
            "This article draws on the county's capital improvement plan, the utility's "
            "annual reports for the last six years, the commission's meeting minutes and "
            "recordings from February to April, and the bond question as certified for the "
            "ballot. Figures for main breaks come from the utility's maintenance records, "
            "which count each repair once, even where a single break required several visits. "
            "Cost figures are the county's estimates and will change as bids come in; we "
            "will update this article when they do, and note each change at the foot of the "
            "page.",
            "All of the people, places and figures in this article are invented for this "
            "site's audit data. Fernhollow County does not exist, and neither do its pipes.",
        ]
    )


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicsite.settings")
    import django

    django.setup()


def load():
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article, Author, Byline, Comment, Figure
    from articles.services import article_render
    from candidates.calls import call_race
    from candidates.models import (
        Answer,
        BallotMeasure,
        Candidacy,
        Candidate,
        Election,
        MeasureCount,
        Office,
        Question,
        Questionnaire,
        Race,
        RaceCall,
        ReportingUnit,
    )
    from candidates.services import race_save_results

    now = timezone.now()
    today = timezone.localdate()

    with transaction.atomic():
        election, _ = Election.objects.update_or_create(
            slug=f"{PREFIX}fernhollow-county-general-election",
            defaults={
                "name": "Fernhollow County general election (invented for the audit)",
                "date": today,
                "jurisdiction": "Fernhollow County",
                "description": "Three county seats and a water bond question.",
            },
        )
        people = {
            name: Candidate.objects.update_or_create(
                slug=PREFIX + name.lower().replace(" ", "-"),
                defaults={
                    "name": name,
                    "ballot_name": ballot_name,
                    "bio": f"{name} is an invented candidate in this site's audit data.",
                    "website": "https://example.org/",
                },
            )[0]
            for name, ballot_name in CANDIDATES
        }

        def race(body, district, names, status):
            name = f"Fernhollow {body} {district}"
            office, _ = Office.objects.update_or_create(
                slug=PREFIX + name.lower().replace(" ", "-"),
                defaults={"name": name, "body": f"Fernhollow {body}", "district": district},
            )
            race, _ = Race.objects.update_or_create(
                election=election,
                office=office,
                defaults={
                    "slug": office.slug,
                    "decision_rule": Race.DecisionRule.MAJORITY,
                    "expected_units": len(COUNTIES),
                    "results_source": "Fernhollow County elections office (invented)",
                },
            )
            candidacies = [
                Candidacy.objects.update_or_create(
                    race=race,
                    candidate=people[name],
                    defaults={"ballot_name": people[name].ballot_name, "ballot_order": order},
                )[0]
                for order, name in enumerate(names, start=1)
            ]
            units = [
                ReportingUnit.objects.update_or_create(
                    race=race,
                    kind=ReportingUnit.Kind.COUNTY,
                    name=county,
                    parent=None,
                    defaults={"precincts_total": total},
                )[0]
                for county, total in COUNTIES
            ]
            share = 1.0 if status != Race.Status.COUNTING else 0.6
            votes = {
                (candidacy, unit): int((4100 - 900 * n + 37 * u) * share)
                for n, candidacy in enumerate(candidacies)
                for u, unit in enumerate(units)
            }
            reporting = {unit: round(unit.precincts_total * share) for unit in units}
            race_save_results(race=race, votes=votes, reporting=reporting, status=status)
            return race, candidacies

        counting, counting_candidacies = race(
            "County Commission",
            "District 2",
            ["Odalys Prewitt", "Tomasz Wendling", "Marguerite Oyelaran"],
            Race.Status.COUNTING,
        )
        called, called_candidacies = race(
            "School Board", "Seat 4", ["Bennett Hale", "Rosalind Achterberg"], Race.Status.COUNTING
        )
        if not RaceCall.objects.filter(race=called, uncalled_at__isnull=True).exists():
            call_race(
                race=called,
                outcome=RaceCall.Outcome.WON,
                candidacies=called_candidacies[:1],
                note="The remaining precincts cannot close the gap.",
            )
        final, _ = race(
            "Water Authority",
            "Seat 1",
            ["Priya Castellanos", "Rosalind Achterberg"],
            Race.Status.UNOFFICIAL_FINAL,
        )

        measure, _ = BallotMeasure.objects.update_or_create(
            election=election,
            title="Water Bond Question",
            defaults={
                "question": "Shall Fernhollow County borrow up to $95 million, repaid over "
                "twenty years, to replace its oldest water mains?",
                "status": Race.Status.COUNTING,
                "expected_units": len(COUNTIES),
                "results_updated_at": now,
            },
        )
        for n, (county, total) in enumerate(COUNTIES):
            MeasureCount.objects.update_or_create(
                measure=measure,
                county=county,
                defaults={
                    "precincts_total": total,
                    "precincts_reporting": total - 3,
                    "yes_votes": 6120 - 800 * n,
                    "no_votes": 4870 + 300 * n,
                },
            )

        guide, _ = Questionnaire.objects.update_or_create(
            race=counting,
            defaults={
                "title": "Commission District 2 voter guide",
                "intro": "We asked every candidate the same three questions.",
                "method_note": "Sent by email; answers are printed as received, up to 150 "
                "words each.",
                "sent_on": today - datetime.timedelta(days=40),
                "published": True,
                "max_words": 150,
            },
        )
        questions = [
            Question.objects.update_or_create(
                questionnaire=guide, order=order, defaults={"short_label": label, "text": text}
            )[0]
            for order, (label, text) in enumerate(QUESTIONS, start=1)
        ]
        for candidacy in counting_candidacies:
            for question, text in zip(questions, ANSWERS[candidacy.ballot_name], strict=True):
                answer = Answer.objects.filter(question=question, candidacy=candidacy).first()
                answer = answer or Answer(question=question, candidacy=candidacy)
                answer.text = text
                answer.received_on = today - datetime.timedelta(days=30)
                answer.save()

        author, _ = Author.objects.update_or_create(
            slug=f"{PREFIX}desk",
            defaults={"name": "Audit Desk", "bio": "An invented byline for the audit data."},
        )
        article, _ = Article.objects.update_or_create(
            slug=f"{PREFIX}fernhollow-water-mains",
            defaults={
                "title": "Fernhollow's old water mains: what the ten-year plan does, and what "
                "the bond would pay for",
                "dek": "About forty miles of pipe are past repair. Here is the plan to replace "
                "them, its cost, and what residents on the first streets can expect.",
                "kind": Article.Kind.NEWS,
                "body": long_article_body(),
                "status": Article.Status.PUBLISHED,
                "publish_at": now - datetime.timedelta(hours=5, microseconds=123457),
            },
        )
        Byline.objects.update_or_create(article=article, author=author, defaults={"order": 0})
        figure = Figure.objects.filter(article=article, key="lead").first()
        if figure is None:
            from django.core.files.base import ContentFile

            from articles.demo import _placeholder_jpeg

            figure = Figure(article=article, key="lead")
            figure.image.save(
                "audit-water-mains.jpg",
                ContentFile(_placeholder_jpeg((30, 80, 110), "bars")),
                save=False,
            )
            figure.alt_text = "Placeholder illustration: pale bars on a blue ground"
            figure.caption = "A placeholder for a photo of a main replacement crew."
            figure.credit = "Illustration"
            figure.save()
        article.lead_figure = figure
        article.save(update_fields=["lead_figure"])
        article_render(article=article)
        article.tags.set(["Fernhollow County", "Water"])
        article.candidates.set([people[name] for name, _ in CANDIDATES[:3]])
        article.races.set([counting, final])
        article.elections.set([election])

        if not article.comments.exists():
            first = None
            for minutes, (name, text) in enumerate(COMMENTS):
                comment = Comment.objects.create(
                    article=article,
                    name=name,
                    email=f"{name.split()[0].lower()}@example.org",
                    text=text,
                    status=Comment.Status.APPROVED,
                    created_at=now - datetime.timedelta(minutes=200 - 17 * minutes, seconds=0.25),
                )
                first = first or comment
            Comment.objects.create(
                article=article,
                parent=first,
                name=REPLY[0],
                email="desk@example.org",
                text=REPLY[1],
                status=Comment.Status.APPROVED,
                created_at=now - datetime.timedelta(minutes=20, microseconds=654321),
            )
    from civicsite.core import pagecache

    pagecache.invalidate()
    return pages(article=article, counting=counting, called=called, final=final, guide=guide)


def pages(*, article, counting, called, final, guide):
    """One address of every page type, from what is in the database."""
    from django.urls import reverse

    from articles.events.models import Event
    from articles.models import Article
    from candidates.models import BallotMeasure, Candidate, Election, Race

    qa = Article.objects.published().filter(kind=Article.Kind.VOTER_GUIDE_QA).first()
    event = Event.objects.filter(publication="published").order_by("-starts_at").first()
    measure = BallotMeasure.objects.filter(election=counting.election).first()
    tag = article.tags.order_by("slug").first()
    candidacies = list(counting.candidacies.order_by("ballot_order").select_related("candidate"))
    candidate = candidacies[0].candidate
    compared = [candidacy.pk for candidacy in candidacies[:2]]
    found = {
        "home": reverse("home"),
        "article": article.get_absolute_url(),
        "article-qa": qa.get_absolute_url() if qa else None,
        "article-list": reverse("articles:index"),
        "tag": reverse("tag-detail", kwargs={"slug": tag.slug}),
        "search": reverse("search") + "?q=water",
        "404": "/audit-no-such-page/",
        "race-counting": counting.get_absolute_url(),
        "race-called": called.get_absolute_url(),
        "race-final": final.get_absolute_url(),
        "election": counting.election.get_absolute_url(),
        "election-list": reverse("candidates:election-list"),
        "candidate": candidate.get_absolute_url(),
        "candidate-list": reverse("candidates:candidate-list"),
        "guide": guide.get_absolute_url(),
        "guide-compare": guide.get_absolute_url()
        + "?"
        + "&".join(f"compare={pk}" for pk in compared),
        "guide-list": reverse("candidates:guide-list"),
        "event": event.get_absolute_url() if event else None,
        "author": article.bylines.first().author.get_absolute_url(),
        "measure": measure.get_absolute_url(),
        "admin-login": reverse("admin:login"),
    }
    # The demo's own pages, with the seeds' figures: a final race and a profile with coverage.
    demo_race = Race.objects.filter(election__slug=DEMO_GENERAL).first()
    if demo_race:
        found["race-demo"] = demo_race.get_absolute_url()
    demo_candidate = Candidate.objects.filter(slug=DEMO_CANDIDATE).first()
    if demo_candidate:
        found["candidate-demo"] = demo_candidate.get_absolute_url()
    # The site's own pages (About, Contact, Corrections policy), where this checkout has them.
    try:
        from civicsite.models import Page
    except ImportError:
        Page = None
    for slug in Page.objects.values_list("slug", flat=True) if Page else []:
        found[f"page-{slug}"] = reverse("page", kwargs={"slug": slug})
    past = Election.objects.filter(date__lt=counting.election.date).order_by("-date").first()
    if past:
        found["election-past"] = past.get_absolute_url()
    return {name: path for name, path in found.items() if path}


if __name__ == "__main__":
    setup_django()
    print(json.dumps(load()))
