"""Demo voter guide: the 2021 Atlanta City Council District 5 runoff.

Runs after candidates.demo (which creates the elections, races and candidacies) and looks the
runoff race up; when it is missing it says so and does nothing. Updates or creates by natural
key, so loading twice leaves one copy.

Rules for real people (shared/seeds/README.md): the seeds hold Liliana Bakhtiari's runoff
answers, so her answers here are our short summaries of their facts, in our words, and the
guide says so. The seeds hold nothing from Amanda "Mandy" Mahoney and nothing from the general
election, so no Answer rows are created for them: the guide shows "No answer on file", never
an invented answer and never "Did not respond".
"""

from django.db import transaction

from candidates.models import Answer, Election, Question, Questionnaire, Race

OFFICE_NAME = "Atlanta City Council District 5"
RUNOFF_YEAR = 2021

TITLE = "District 5 runoff voter guide"
INTRO = (
    "We put the same four questions to both candidates in the Nov. 30, 2021 runoff for Atlanta "
    "City Council District 5. This is demo content: each answer shown is our short summary of "
    "the facts in the candidate's published answer, not the candidate's own words. Where we "
    "have no answer on file for this demo, the guide says so."
)
METHOD_NOTE = (
    "Demo guide. The questions are written for this demonstration and follow the topics of a "
    "published runoff questionnaire: public safety, infrastructure and city services, housing "
    "affordability, and why each candidate is the better choice. The answers are summaries "
    "written by the demo desk from one candidate's published answers; no answer on file means "
    "we have nothing from that candidate for this demo, not that the candidate declined."
)

# (order, short label, question)
QUESTIONS = [
    (
        1,
        "Public safety",
        "How does your approach to public safety differ from your opponent's, and why is it "
        "better?",
    ),
    (
        2,
        "Infrastructure and city services",
        "Why are you the better choice to improve the city's infrastructure and services?",
    ),
    (
        3,
        "Housing affordability",
        "What would you do to keep housing affordable in the district, and why are you the "
        "better candidate on it?",
    ),
    (
        4,
        "Why you",
        "Why should District 5 voters choose you over your opponent?",
    ),
]

# Our summaries of the facts in Bakhtiari's runoff answers (seed 000), keyed by question order.
BAKHTIARI_SUMMARIES = {
    1: (
        "*Summary.* Bakhtiari described a holistic approach that goes after the root causes of "
        "crime. She backs fully staffed public safety teams, response teams that add unarmed "
        "traffic officers and mental health professionals, and support and funding for Police "
        "Alternatives and Diversion. She named housing and job security as the best "
        "prevention, along with wealth building, closing the income and gender gaps, "
        "affordable housing and career training."
    ),
    2: (
        "*Summary.* Bakhtiari said better services start with the city employees who provide "
        "them, and pointed to endorsements from two unions representing city workers, the "
        "Professional Association of City Employees and AFSCME. She pledged to raise staffing "
        "and morale, and said infrastructure work needs city, county, state and federal "
        "offices to cooperate; she said she has working relationships with all of them."
    ),
    3: (
        "*Summary.* Bakhtiari cited her own experience of housing insecurity and years of work "
        "with legacy residents and unsheltered people. Her proposals:\n\n"
        "- strategic upzoning with a participatory planning process;\n"
        "- impact fees directed to an affordable housing fund;\n"
        "- more workforce housing so first responders and city employees can live where they "
        "work;\n"
        "- a housing-first approach for unsheltered residents;\n"
        "- wider need-based tax exemptions so low-income and legacy residents can stay in "
        "their homes.\n\n"
        "She noted the endorsement of Neighbors for More Neighbors and of housing advocates "
        "and affordable home builders."
    ),
    4: (
        "*Summary.* Bakhtiari said lived experience, including housing insecurity and "
        "workplace discrimination, shapes her policy for underrepresented residents. She said "
        "she is the only candidate with broad intergovernmental and nongovernmental "
        "relationships, cited support from labor, county commissioners, state officials and "
        "current and former city leaders, and said she has every organizational endorsement "
        "in the race. She promised a collaborative approach."
    ),
}


def find_runoff_race():
    return (
        Race.objects.filter(
            office__name=OFFICE_NAME,
            election__kind=Election.Kind.RUNOFF,
            election__date__year=RUNOFF_YEAR,
        )
        .select_related("election")
        .first()
    )


def load(*, stdout, verbosity=1):
    race = find_runoff_race()
    if race is None:
        if verbosity:
            stdout.write(
                f"Voter guide skipped: no {RUNOFF_YEAR} runoff race for {OFFICE_NAME} "
                "(load candidates.demo first)."
            )
        return None
    with transaction.atomic():
        questionnaire, _ = Questionnaire.objects.update_or_create(
            race=race,
            defaults={
                "title": TITLE,
                "intro": INTRO,
                "method_note": METHOD_NOTE,
                "published": True,
                "random_order": False,
                "max_words": None,
            },
        )
        questions = {}
        for order, label, text in QUESTIONS:
            questions[order], _ = Question.objects.update_or_create(
                questionnaire=questionnaire,
                order=order,
                defaults={"short_label": label, "text": text},
            )
        bakhtiari = race.candidacies.filter(candidate__name__icontains="Bakhtiari").first()
        if bakhtiari is not None:
            for order, summary in BAKHTIARI_SUMMARIES.items():
                Answer.objects.update_or_create(
                    question=questions[order],
                    candidacy=bakhtiari,
                    defaults={"status": Answer.Status.ANSWERED, "text": summary},
                )
    if verbosity:
        answered = "with Bakhtiari's answers summarised" if bakhtiari else "without answers"
        stdout.write(f"Voter guide: {TITLE} ({len(QUESTIONS)} questions, {answered}).")
    return questionnaire
