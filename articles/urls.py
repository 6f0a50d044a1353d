from django.urls import path

from articles import views
from articles.events import views as event_views

app_name = "articles"

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="index"),
    path("articles/section/<slug:kind>/", views.SectionListView.as_view(), name="section"),
    path(
        "articles/about/candidates/<slug:slug>/",
        views.CoverageListView.as_view(),
        name="candidate-coverage",
    ),
    path(
        "articles/about/elections/<slug:election_slug>/<slug:slug>/",
        views.CoverageListView.as_view(),
        name="race-coverage",
    ),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("articles/<slug:slug>/comments/", views.comment_post, name="comment-post"),
    path("comments/token/", views.form_token, name="form-token"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author-detail"),
    path("events/<slug:slug>/", event_views.event_detail, name="event-detail"),
    path("events/<slug:slug>.ics", event_views.event_ics, name="event-ics"),
    path("events/<slug:slug>/questions/", event_views.event_question_post, name="event-question"),
    path("calendars/<slug:slug>.ics", event_views.election_calendar, name="election-calendar"),
    path(
        "voter-guides/<slug:election_slug>/<slug:slug>/questions/",
        event_views.guide_question,
        name="guide-question",
    ),
]
