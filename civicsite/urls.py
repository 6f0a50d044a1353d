from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from civicsite import views

admin.site.site_header = "civicsite newsroom"
admin.site.site_title = "civicsite admin"
admin.site.index_title = "Election desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("candidates.urls")),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    # Local and single-server use only; production serves media from object storage or a proxy.
    from django.urls import re_path

    urlpatterns += [re_path(r"^media/(?P<path>.*)$", views.serve_media, name="media")]
