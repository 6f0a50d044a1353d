"""What the article pages say about themselves: title, description, image, breadcrumbs and
schema.org NewsArticle data for search engines and social previews (civicsite/core/metadata.py
prints it). Only rows the view already loaded are read: no queries.
"""

from django.conf import settings
from django.utils.text import Truncator

from civicsite.core.metadata import SCHEMA_CONTEXT, page_meta, publisher


def news_article(request, article, *, url, bylines, published_on, updated_on):
    """schema.org NewsArticle, with the site as publisher."""
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.dek,
        "url": url,
        "datePublished": published_on,
        "dateModified": updated_on or published_on,
        "author": [
            {
                "@type": "Person",
                "name": byline.author.name,
                "url": request.build_absolute_uri(byline.author.get_absolute_url()),
            }
            for byline in bylines
        ],
    }
    if article.lead_figure:
        data["image"] = [request.build_absolute_uri(article.lead_figure.src)]
    data["publisher"] = publisher(settings.SITE_NAME)
    return data


def article_meta(request, article, *, section_path, bylines, published_on, updated_on):
    url = request.build_absolute_uri(article.get_absolute_url())
    figure = article.lead_figure
    return page_meta(
        request,
        title=article.title,
        url=url,
        description=article.dek,
        og_type="article",
        image=figure.src if figure else "",
        image_alt=figure.alt_text if figure else "",
        json_ld=[
            news_article(
                request,
                article,
                url=url,
                bylines=bylines,
                published_on=published_on,
                updated_on=updated_on,
            )
        ],
        published_time=published_on,
        modified_time=updated_on,
        robots="" if article.is_public else "noindex",
        breadcrumbs=[(article.get_kind_display(), section_path), (article.title, None)],
    )


def author_meta(request, author, *, list_page):
    return page_meta(
        request,
        title=author.name,
        description=Truncator(author.bio).chars(300),
        list_page=list_page,
        og_type="profile",
        image=author.photo.url if author.photo else "",
        image_alt=author.photo_alt,
    )
