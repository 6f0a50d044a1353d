#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicsite.settings")
    # manage.py is the developer's tool: without DEBUG in the environment it runs in local
    # development mode. The served site (wsgi/asgi, gunicorn) defaults to DEBUG off, and
    # production commands set DEBUG=0 with a SECRET_KEY (README.md, Configuration).
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
