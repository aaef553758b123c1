"""Which methods a path has: the 404 / 405 decision for requests no route serves, from a table of (method, path)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable


@lru_cache(maxsize=None)
def path_pattern(template_path: str) -> re.Pattern[str]:
    """API Gateway's matching of a route path: each `{name}` is one whole segment, everything else is literal."""
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{[^}]+\})", template_path)
    )
    return re.compile(f"^{regex}$")


def allowed_methods(path: str, routes: Iterable[tuple[str, str]]) -> list[str]:
    """The methods of every route whose path matches `path`, sorted; empty when no route has this path."""
    return sorted({method for method, template_path in routes if path_pattern(template_path).match(path)})
