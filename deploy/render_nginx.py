#!/usr/bin/env python3
"""Fill in deploy/nginx.conf.template: ``python deploy/render_nginx.py NAME=value ... >conf``.

Only ``${NAME}`` placeholders are filled (nginx's own ``$variables`` have no braces); every
placeholder must have a value, from DEFAULTS or the command line, or nothing is written. The
tests (tests/civicsite/test_front_proxy.py), ``make serve-proxy`` and scripts/faults.py use
``render()``; deploy/README.md lists the values.
"""

import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")
PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")

DEFAULTS = {
    "USER": "www-data",
    "WORKER_PROCESSES": "auto",
    "RUN_DIR": "/run/civicsite-nginx",
    "LOG_DIR": "/var/log/nginx",
    "MIME_TYPES": "/etc/nginx/mime.types",
    "LISTEN": "80",
    "UPSTREAM": "unix:/run/civicsite/gunicorn.sock",
    "MEDIA_ROOT": "/srv/civicsite/media",
    "STATIC_ROOT": "/srv/civicsite/src/staticfiles",
    "HEADER_TIMEOUT": "10s",
    "BODY_TIMEOUT": "10s",
    "BODY_MAX": "1m",
    "ADMIN_BODY_MAX": "12m",
    "PAGE_RATE": "20r/s",
    "PAGE_BURST": "100",
    "POST_RATE": "30r/m",
    "POST_BURST": "10",
    "CONN_PER_CLIENT": "64",
}


def render(**values):
    """The configuration text, with DEFAULTS overridden by ``values``."""
    values = {**DEFAULTS, **{key: str(value) for key, value in values.items()}}
    text = TEMPLATE.read_text()
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    unknown = sorted(set(values) - set(PLACEHOLDER.findall(text)))
    if unknown:
        raise KeyError(f"the template has no {', '.join(unknown)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def main(arguments):
    values = {}
    for argument in arguments:
        name, equals, value = argument.partition("=")
        if not equals:
            raise SystemExit(f"usage: {sys.argv[0]} NAME=value ... (got {argument!r})")
        values[name] = value
    sys.stdout.write(render(**values))


if __name__ == "__main__":
    main(sys.argv[1:])
