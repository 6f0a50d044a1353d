from django.urls import path  # noqa: F401  (patterns are added with the public pages)

app_name = "candidates"

urlpatterns = []
