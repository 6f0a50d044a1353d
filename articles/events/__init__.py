"""Candidate forums, debates, town halls and deadlines, and readers' questions for them.

They live in the articles app because an event points at races and candidates (the candidates
app, a layer below) and at the article that writes it up, and readers' questions reuse the
comment defences of articles/comments.py; the candidates app may not import articles.

- models.py: Event, ReaderQuestion, GuideQuestionCall (imported by articles/models.py).
- calendars.py: .ics files and election feeds (icalendar). streams.py: click-to-load players.
- questions.py: posting and moderating readers' questions. services.py: publishing events.
- views.py, forms.py, admin.py, metadata.py (schema.org Event), demo.py (seed 003's forum).
"""
