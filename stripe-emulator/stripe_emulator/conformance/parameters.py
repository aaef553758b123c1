"""Conformance of request parameters: every parameter a handler reads is in its operation's `...Params` type, and
every one the type declares that the handler does not read is refused with `parameter_unknown` (probed over HTTP)."""

from __future__ import annotations

import requests

from ..engine.params import LIST, allowed_parameters, params_shape
from ..engine.routes import ROUTES
from .objects import Report


def check_parameters(report: Report, base_url: str, secret_key: str) -> None:
    """Every parameter a handler reads exists in its operation's Params type; every one the type declares that the
    handler does not read, at any depth, is refused as Stripe refuses an unknown parameter (probed over HTTP)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret_key}"
    for route in ROUTES:
        where = f"{route.method} {route.path}"
        declared = allowed_parameters(route.params_type) if route.params_type else None
        if declared is None:
            report.mismatch("no params type", where, str(route.params_type))
            continue
        for name in sorted(route.reads - {"expand"}):
            report.params += 1
            if name not in declared and name not in route.extra_params:
                report.mismatch("parameter not in SDK", f"{where} {name}", f"not in {route.params_type}")
        report.nested += _count_nested(params_shape(route.params_type) or {}, route.read_tree)
        path = route.path.replace("<id>", "x_probe").replace("<", "").replace(">", "")
        for key, label in unread_parameters(params_shape(route.params_type) or {}, route.read_tree):
            report.probes += 1
            body = {key: "1"}
            if route.method in ("GET", "DELETE"):
                reply = session.request(route.method, base_url + path, params=body, timeout=10)
            else:
                reply = session.request(route.method, base_url + path, data=body, timeout=10)
            error = reply.json().get("error") or {} if reply.status_code == 400 else {}
            if (error.get("code"), error.get("param")) != ("parameter_unknown", label):
                report.mismatch("ignored parameter", f"{where} {label}",
                                f"answered {reply.status_code} instead of parameter_unknown")


def unread_parameters(shape: dict, tree: dict | None, key: str = "", label: str = "") -> list[tuple[str, str]]:
    """(form key, the param Stripe's error names) of every declared parameter the handler does not read, below the
    ones it reads key by key: `payment_intent_data[capture_method]`, `line_items[0][adjustable_quantity]`."""
    found = []
    for name, below in sorted(shape.items()):
        if name == LIST:
            continue
        item_key = f"{key}[{name}]" if key else name
        item_label = f"{label}[{name}]" if label else name
        if tree is not None and name not in tree:
            found.append((item_key, item_label))
        elif tree is not None and below is not None and tree[name] is not None:
            index = "[0]" if LIST in below else ""
            found += unread_parameters(below, tree[name], item_key + index, item_label + index)
    return found


def _count_nested(shape: dict, tree: dict | None) -> int:
    """Nested parameters the handler reads (each checked against the SDK's shape by the emulator itself)."""
    count = 0
    for name, below in (tree or {}).items():
        sub = (shape or {}).get(name)
        if isinstance(below, dict) and isinstance(sub, dict):
            count += sum(1 for k in below if k in sub) + _count_nested(sub, below)
    return count


