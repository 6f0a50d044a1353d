from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from articles import feeds
from civicsite import bench_views, signin, views
from civicsite.models import Page
from civicsite.sitemaps import SITEMAPS

admin.site.site_header = "civicsite newsroom"
admin.site.site_title = "civicsite admin"
admin.site.index_title = "Election desk"

# Not found: links to where the reader may be going (templates/404.html).
handler404 = "civicsite.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("feeds/latest/", feeds.LatestArticlesFeed(), name="feed-latest"),
    path("feeds/latest/atom/", feeds.atom(feeds.LatestArticlesFeed)(), name="feed-latest-atom"),
    path("feeds/tags/<slug:slug>/", feeds.TagFeed(), name="feed-tag"),
    path("feeds/tags/<slug:slug>/atom/", feeds.atom(feeds.TagFeed)(), name="feed-tag-atom"),
    path("feeds/candidates/<slug:slug>/", feeds.CandidateFeed(), name="feed-candidate"),
    path(
        "feeds/candidates/<slug:slug>/atom/",
        feeds.atom(feeds.CandidateFeed)(),
        name="feed-candidate-atom",
    ),
    path("feeds/elections/<slug:slug>/", feeds.ElectionFeed(), name="feed-election"),
    path(
        "feeds/elections/<slug:slug>/atom/",
        feeds.atom(feeds.ElectionFeed)(),
        name="feed-election-atom",
    ),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The site's own pages, a fixed set (civicsite.models.Page.Slug).
    re_path(r"^(?P<slug>{})/$".format("|".join(Page.Slug.values)), views.site_page, name="page"),
    path("healthz", views.healthz, name="healthz"),
    path("bench/ceiling/", bench_views.ceiling, name="bench-ceiling"),
    # Staff's second factor, before the admin's own pages (civicsite/signin.py).
    path("admin/two-factor/", signin.two_factor_verify, name="two-factor-verify"),
    path("admin/two-factor/setup/", signin.two_factor_setup, name="two-factor-setup"),
    path("admin/two-factor/codes/", signin.two_factor_codes, name="two-factor-codes"),
    path("admin/", admin.site.urls),
    path("", include("candidates.urls")),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    # Local and single-server use only; production serves media from object storage or a proxy.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", views.serve_media, name="media")]
