"""Editors' sign-in: the username django-axes records for each attempt.

django-axes keeps the username of every attempt in a 255-character column. Django's sign-in
form does not limit what is typed, and PostgreSQL refuses a longer value, so a 300-character
"username" turned the sign-in page into a 500 (found by tests/hostile/test_public_forms.py).
The username is cut to the column's length before axes stores it; the lockout still counts
such attempts, under the cut name.
"""

from axes.models import AccessAttempt

USERNAME_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length


def axes_username(request, credentials=None):
    """AXES_USERNAME_CALLABLE: the username from the credentials or the form, at most 255."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if username is None:
        return None
    return str(username)[:USERNAME_MAX_LENGTH]
