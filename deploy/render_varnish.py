#!/usr/bin/env python3
"""Fill in deploy/varnish.vcl.template: ``python deploy/render_varnish.py NAME=value ... >vcl``.

The same rules as deploy/render_nginx.py (``${NAME}`` placeholders, every one filled or
nothing written). tests/civicsite/test_edge_cache.py and scripts/bench.py use ``render()``.
"""

import re
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")
TEMPLATE = Path(__file__).resolve().with_name("varnish.vcl.template")

DEFAULTS = {
    "BACKEND_HOST": "127.0.0.1",
    "BACKEND_PORT": "8000",
    "PURGERS": '"127.0.0.1"; "::1";',
    "GRACE": "5s",
    "KEEP": "1h",
}


def fill(text, values):
    """``text`` with its ``${NAME}`` placeholders filled; KeyError for a missing or unknown one."""
    values = {key: str(value) for key, value in values.items()}
    names = set(PLACEHOLDER.findall(text))
    if missing := sorted(names - set(values)):
        raise KeyError(f"no value for {', '.join(missing)}")
    if unknown := sorted(set(values) - names):
        raise KeyError(f"the template has no {', '.join(unknown)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def render(**values):
    """The VCL text, with DEFAULTS overridden by ``values``."""
    return fill(TEMPLATE.read_text(), {**DEFAULTS, **values})


if __name__ == "__main__":
    pairs = dict(argument.split("=", 1) for argument in sys.argv[1:])
    sys.stdout.write(render(**pairs))
