"""Demo text for the site's own pages: About, Contact and the Corrections policy.

The newsroom described is invented for the demo (no real outlet's policy, no real person's
words); the addresses are reserved example domains. Loading updates the three rows the
migration made, so a second run changes nothing.
"""

from civicsite.models import Page

PAGES = {
    Page.Slug.ABOUT: {
        "title": "About us",
        "summary": "A small, invented newsroom that covers local elections in full.",
        "body": """\
This site is a demonstration. The newsroom it describes does not exist; the election facts
in its stories come from public reporting, and the prose is ours.

## What we cover

We cover the races that decide how a city is run: council seats, school boards, ballot
questions. For each race we keep a profile of every candidate, the same questions put to
every candidate in a voter guide, and the results as they are counted, county by county.

## How we work

- Every candidate in a race is asked the same questions, by the same deadline.
- We do not endorse candidates.
- Results come from the counties' own reports; we say when a figure is unofficial.
- A race is called only when the count leaves no doubt, and the final figures decide it.
""",
    },
    Page.Slug.CONTACT: {
        "title": "Contact",
        "summary": "How to reach the demo newsroom, with a tip, a question or a correction.",
        "body": """\
This is a demonstration site: the addresses below are examples and reach nobody.

## News tips and questions

Write to [tips@example.org](mailto:tips@example.org). Tell us what you know and how we can
check it; we do not publish a tip we could not confirm.

## Corrections

If something we published is wrong, write to
[corrections@example.org](mailto:corrections@example.org) with the address of the page and
what should be fixed. Our [corrections policy](/corrections-policy/) says what happens next.

## Candidates and campaigns

Campaigns may send their candidate's photo, website and answers to our voter-guide
questions to [elections@example.org](mailto:elections@example.org).
""",
    },
    Page.Slug.CORRECTIONS: {
        "title": "Corrections policy",
        "summary": "How the demo newsroom corrects mistakes in stories and results.",
        "body": """\
This policy belongs to an invented newsroom and is written for the demonstration.

We correct errors of fact promptly and in public.

## In stories

When a published story gets a fact wrong, we fix it and add a dated correction at the end
that says what was wrong and what is right. We do not quietly rewrite a story; changes that
add news are marked "Updated" with the time.

> A correction says what was wrong, what is right, and when we fixed it.

## In results

Figures change while votes are counted; that is not an error. Once a race's results are
final, any change to a figure is listed on the race page under "Corrections to these
results", with the date.

## Asking for a correction

Write to us from the [contact page](/contact/). We answer every request, including the ones
where we conclude the story was right.
""",
    },
}


def load(*, stdout, verbosity=1):
    for slug, fields in PAGES.items():
        page = Page.objects.filter(slug=slug).first() or Page(slug=slug)
        if any(getattr(page, name) != value for name, value in fields.items()) or not page.pk:
            for name, value in fields.items():
                setattr(page, name, value)
            page.save()
    if verbosity:
        stdout.write(f"Site pages: {len(PAGES)} (About, Contact, Corrections policy).")
