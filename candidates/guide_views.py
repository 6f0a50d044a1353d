"""Public voter-guide pages: one race's guide and the index of guides.

Both start from published questionnaires (an unpublished guide is a 404 for readers; staff
may preview it behind a visible bar) and read through candidates/guides.py, in a fixed number
of queries.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from candidates import guides, metadata
from candidates.guide_forms import CompareForm


@require_GET
def race_guide(request, election_slug, slug):
    questionnaire = get_object_or_404(
        guides.guide_questionnaires(), race__election__slug=election_slug, race__slug=slug
    )
    preview = not questionnaire.published
    if preview and not guides.can_preview(request.user):
        raise Http404("No published voter guide for this race.")

    candidacies = questionnaire.race.candidacies.all()
    form = CompareForm(request.GET if "compare" in request.GET else None, candidacies=candidacies)
    compare, compare_error = [], ""
    if form.is_bound:
        if form.is_valid():
            compare = form.cleaned_data["compare"]
        else:
            compare_error = " ".join(form.errors["compare"])
    page = guides.guide_page(questionnaire, compare=compare)
    selected = [*compare, None, None][:2]
    context = {
        "questionnaire": questionnaire,
        "race": questionnaire.race,
        "page": page,
        "compare_selected": selected,
        "compare_error": compare_error,
        "preview": preview,
        # Compared pairs and previews are views of the one guide, not pages to index.
        "meta": metadata.guide_meta(
            request,
            questionnaire,
            path=guides.guide_url(questionnaire.race),
            noindex=preview or page.compared,
        ),
        "admin_url": reverse("admin:candidates_questionnaire_change", args=[questionnaire.pk])
        if preview
        else "",
    }
    response = render(request, "candidates/guide_detail.html", context)
    if preview:
        # A preview must never land in a shared cache.
        patch_cache_control(response, private=True, no_store=True)
    elif questionnaire.random_order:
        # A new order on every page load: no shared copy (the page cache respects this).
        patch_cache_control(response, no_cache=True)
    return response


@require_GET
def guide_list(request):
    context = {**guides.guides_for_index(), "meta": metadata.guide_list_meta(request)}
    return render(request, "candidates/guide_list.html", context)
