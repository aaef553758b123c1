"""Conformance of expansion and ids: every field the SDK types `ExpandableField` expands on each kind's retrieve and
list routes, every id handed out is retrievable at its route, and every id prefix minted has a route or a reason."""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

import requests

from ..engine.routes import ROUTES
from .objects import Report, check_object, class_for


NOT_RETRIEVABLE = {
    "req": "request ids (the Request-Id header)",
    "li": "Checkout line items: listed at /v1/checkout/sessions/{id}/line_items, Stripe has no retrieve",
    "il": "invoice line items: listed at /v1/invoices/{id}/lines, Stripe has no retrieve",
    "bps": "billing portal sessions: Stripe has no retrieve",
    "prodft": "product features: retrieved under their product (/v1/products/{product}/features/{id}), which the id "
              "alone does not name",
    "di": "discounts: embedded in customers, subscriptions, invoices and sessions; Stripe has no retrieve",
    "acct": "the account itself: GET /v1/account",
    "whdel": "the emulator's own webhook deliveries: GET /_emulator/deliveries/{id}",
    "fault": "the emulator's own injected faults",
}


def minted_prefixes() -> set[str]:
    """Every id prefix the emulator's source passes to `new_id` (both branches of `"cs_live" if .. else "cs_test"`)."""
    import stripe_emulator as package

    found: set[str] = set()
    root = inspect.getfile(package).rpartition("/")[0]
    for path in sorted(__import__("glob").glob(f"{root}/**/*.py", recursive=True)):
        with open(path) as source:
            tree = ast.parse(source.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "new_id" and node.args:
                first = node.args[0]
                options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
                found |= {o.value for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str)}
    return found


def _get_routes() -> set[str]:
    return {route.path for route in ROUTES if route.method == "GET"}


def retrieve_url(object_name: str) -> str | None:
    """The SDK's own URL for an object kind (`/v1/charges`), when the emulator serves its retrieve route."""
    cls = class_for(object_name)
    url = cls.class_url() if cls is not None and hasattr(cls, "class_url") else None
    return url if url and f"{url}/<id>" in _get_routes() else None


def retrieve_route(object_name: str) -> str | None:
    """The GET route of one object of a kind: `{class_url}/<id>`, or a nested one (`/v1/products/<product>/features/
    <id>`) served with the kind's `...RetrieveParams`."""
    url = retrieve_url(object_name)
    if url is not None:
        return f"{url}/<id>"
    cls = class_for(object_name)
    for route in ROUTES:
        if (cls is not None and route.method == "GET" and route.path.endswith(">")
                and (route.params_type or "").endswith(f"{cls.__name__}RetrieveParams")):
            return route.path
    return None


def object_of_prefix(prefix: str) -> str | None:
    """The `object` value of the ids with `prefix`, through the emulator's own prefix and collection tables."""
    from stripe_emulator.engine.render import OBJECT_COLLECTIONS
    from stripe_emulator.engine.store import PREFIXES

    collection = PREFIXES.get(prefix.split("_")[0])
    names = [name for name, coll in OBJECT_COLLECTIONS.items() if coll == collection]
    return names[0] if names else None


def check_prefixes(report: Report) -> None:
    """Every id prefix the emulator mints has a GET route, or is one Stripe serves none for (NOT_RETRIEVABLE)."""
    for prefix in sorted(minted_prefixes()):
        report.prefixes += 1
        kind = object_of_prefix(prefix)
        if prefix.split("_")[0] not in NOT_RETRIEVABLE and (kind is None or retrieve_route(kind) is None):
            report.mismatch("no retrieve route", f"{prefix}_...", f"object {kind}")


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def check_ids(report: Report, base_url: str, secret_key: str, bodies: list[Any]) -> None:
    """Every id met anywhere in what the emulator returned or sent is retrieved at its route: 200, same id."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret_key}"
    prefixes = sorted(minted_prefixes(), key=len, reverse=True)
    pattern = re.compile(r"^(%s)_[A-Za-z0-9]{8,}$" % "|".join(re.escape(p) for p in prefixes))
    seen: set[str] = set()
    for value in _walk(bodies):
        match = pattern.match(value) if isinstance(value, str) else None
        if match is None or value in seen:
            continue
        seen.add(value)
        prefix = match.group(1)
        if prefix.split("_")[0] in NOT_RETRIEVABLE:
            continue
        kind = object_of_prefix(prefix)
        url = retrieve_url(kind) if kind else None
        if url is None:
            report.mismatch("id not retrievable", f"{prefix}_...", f"e.g. {value}: no route for {kind}")
            continue
        report.ids += 1
        reply = session.get(f"{base_url}{url}/{value}", timeout=10)
        if reply.status_code != 200 or reply.json().get("id") != value:
            report.mismatch("id not retrievable", f"{prefix}_...", f"GET {url}/{value} answered {reply.status_code}")


def _value_at(obj: Any, path: list[str]) -> Any:
    """The first non-null value at a dotted path (lists of hashes on the way are searched)."""
    if not path:
        return obj
    if isinstance(obj, list):
        for item in obj:
            found = _value_at(item, path)
            if found is not None:
                return found
        return None
    if not isinstance(obj, dict):
        return None
    return _value_at(obj.get(path[0]), path[1:])


# What a list route needs to show a given object (None: the object's own value of that field).
LIST_FILTERS: dict[str, dict[str, Any]] = {"subscription_item": {"subscription": None},
                                           "subscription": {"status": "all"}}


def check_expansions(report: Report, base_url: str, secret_key: str, bodies: list[Any]) -> None:
    """Every field the SDK types `ExpandableField` on every object kind the lifecycle met, expanded on the kind's
    retrieve route and (with `data.`) its list route: 200, and where the lifecycle left an id there, the object with
    that id, conforming to its SDK class."""
    from stripe_emulator.engine.expandable import expandable_paths

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret_key}"
    objects: dict[str, list[dict]] = {}
    for value in bodies:
        for obj in value.get("data", []) if isinstance(value, dict) and value.get("object") == "list" else [value]:
            if isinstance(obj, dict) and isinstance(obj.get("id"), str) and not obj.get("deleted"):
                objects.setdefault(str(obj.get("object")), []).append(obj)
    for kind in sorted(objects):
        url, cls = retrieve_url(kind), class_for(kind)
        if url is None or cls is None:
            continue
        samples = [o for o in objects[kind] if not o["id"].startswith("upcoming_")]  # previews are not stored
        if not samples:
            continue
        lists = url in _get_routes()
        for path in expandable_paths(cls, depth=3):
            parts = path.split(".")
            sample = next((o for o in samples if isinstance(_value_at(o, parts), str)), samples[0])
            current = session.get(f"{base_url}{url}/{sample['id']}", timeout=10).json()
            expected = _value_at(current, parts)  # the id there now (the recording may be older)
            report.expansions += 1
            reply = session.get(f"{base_url}{url}/{sample['id']}", params={"expand[]": path}, timeout=10)
            _check_expanded(report, f"GET {url}/<id> expand {path}", reply, parts, expected)
            if not lists:
                continue
            filters = {name: sample.get(name) if value is None else value
                       for name, value in LIST_FILTERS.get(kind, {}).items()}
            reply = session.get(f"{base_url}{url}", params={"expand[]": f"data.{path}", "limit": 100, **filters},
                                timeout=10)
            where = f"GET {url} expand data.{path}"
            if len(parts) + 1 > 4:  # Stripe's limit of four levels, `data` included
                if reply.status_code != 400:
                    report.mismatch("expansion depth", where, f"answered {reply.status_code} instead of 400")
                continue
            body = reply.json() if reply.status_code == 200 else {}
            item = next((o for o in body.get("data", []) if o.get("id") == sample["id"]), None)
            if reply.status_code != 200 or (item is None and expected is not None):
                report.mismatch("expansion", where, f"answered {reply.status_code}")
            elif item is not None:
                _check_expanded(report, where, reply, parts, expected, item)


def _check_expanded(report: Report, where: str, reply: requests.Response, parts: list[str], expected: Any,
                    body: dict | None = None) -> None:
    if reply.status_code != 200:
        report.mismatch("expansion", where, f"answered {reply.status_code}: {reply.text[:120]}")
        return
    got = _value_at(body if body is not None else reply.json(), parts)
    if isinstance(expected, str):
        expected, got = [expected], [got]
    if not isinstance(expected, list) or not isinstance(got, list) or len(got) != len(expected):
        return  # nothing there to expand (null, or a hash the lifecycle left empty)
    for want, item in zip(expected, got, strict=True):
        if not isinstance(item, dict) or item.get("id") != want:
            report.mismatch("expansion", where, f"{want} not expanded")
            return
        report.expanded += 1
        check_object(report, item, where)
