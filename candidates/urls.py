from django.urls import path

from candidates import embeds, guide_views, views

app_name = "candidates"

urlpatterns = [
    path("elections/", views.election_list, name="election-list"),
    path("elections/<slug:slug>/", views.election_detail, name="election-detail"),
    # Before the race patterns: "measures/<slug>/" would otherwise read as a race's guide.
    path(
        "elections/<slug:election_slug>/measures/<slug:slug>/",
        views.measure_detail,
        name="measure-detail",
    ),
    path(
        "elections/<slug:election_slug>/measures/<slug:slug>.json",
        views.measure_results_json,
        name="measure-results-json",
    ),
    path(
        "elections/<slug:election_slug>/<slug:slug>/",
        views.race_detail,
        name="race-detail",
    ),
    path(
        "elections/<slug:election_slug>/<slug:slug>.json",
        views.race_results_json,
        name="race-results-json",
    ),
    path(
        "elections/<slug:election_slug>/<slug:slug>/guide/",
        guide_views.race_guide,
        name="race-guide",
    ),
    # Results boxes for iframes on partner sites and in articles (candidates/embeds.py).
    path("embed/elections/<slug:slug>/", embeds.embed_election, name="embed-election"),
    path(
        "embed/elections/<slug:election_slug>/<slug:slug>/",
        embeds.embed_race,
        name="embed-race",
    ),
    path("voter-guides/", guide_views.guide_list, name="guide-list"),
    path("candidates/", views.candidate_list, name="candidate-list"),
    path("candidates/<slug:slug>/", views.candidate_detail, name="candidate-detail"),
]
