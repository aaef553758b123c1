"""Conformance of the emulator to the pinned stripe SDK's own types: objects against the resource classes, request
parameters against the `...Params` types, and a lifecycle driver recording everything the emulator returns or sends.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import sys
import typing
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

import requests
import stripe
from stripe._expandable_field import ExpandableField  # noqa: F401 (resolves annotations that name it)
from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import StripeObject, UntypedStripeObject

from stripe_emulator.engine.params import LIST, allowed_parameters, params_shape
from stripe_emulator.engine.routes import ROUTES

from .lifecycle_stripe_as_is import stripe_as_is
from .lifecycle_usage import entitlements_and_usage

# Known, counted gaps: (kind, where) -> why. Printed in the summary; anything else is a mismatch.
ALLOWED: dict[tuple[str, str], str] = {
    ("unknown field", "search_result.url"): "Stripe's OpenAPI description has `url` on search results; the SDK's "
                                            "hand-written SearchResultObject does not declare it",
    ("null not allowed", "search_result.next_page"): "Stripe answers `next_page: null` on the last page (nullable in "
                                                     "its OpenAPI description); the SDK's SearchResultObject types "
                                                     "it `str`",
}

# Stripe's embedded lists (subscription items, invoice lines) carry total_count, which ListObject does not declare.
_LIST_EXTRA = {"total_count"}
_NONE = type(None)


@dataclass
class Report:
    objects: int = 0
    fields: int = 0
    params: int = 0
    nested: int = 0
    probes: int = 0
    expansions: int = 0  # expandable fields requested (retrieve and list)
    expanded: int = 0  # of which held an id and came back as the object
    ids: int = 0  # ids met in answers and events, retrieved at their route
    prefixes: int = 0  # id prefixes the emulator mints
    mismatches: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    occurrences: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def mismatch(self, kind: str, where: str, detail: str) -> None:
        """One disagreement; the same (kind, where) seen on many objects is one mismatch, counted."""
        key = f"{kind}: {where}"
        target = self.allowed if (kind, where) in ALLOWED else self.mismatches
        if key not in target:
            target.append(key)
            self.examples[key] = detail
        self.occurrences[key] += 1

    @property
    def conforming(self) -> float:
        """The share of the fields checked that agree with the SDK (each occurrence of a mismatch is one field)."""
        wrong = sum(self.occurrences[m] for m in self.mismatches)
        return 1 - wrong / self.fields if self.fields else 0.0

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
        lines = [f"objects checked: {self.objects} ({kinds})", f"fields checked: {self.fields}",
                 f"parameters checked: {self.params} read by handlers (and {self.nested} nested ones), "
                 f"{self.probes} unmodelled ones probed",
                 f"expandable fields checked: {self.expansions} (retrieve and list; {self.expanded} expanded from "
                 f"an id)", f"ids retrieved: {self.ids} (of {self.prefixes} minted prefixes)",
                 f"fields conforming: {self.conforming:.2%} (the allowed gaps conform to Stripe's OpenAPI "
                 "description)",
                 f"mismatches: {len(self.mismatches)}", f"allowed gaps: {len(self.allowed)}"]
        lines += [f"  MISMATCH {m} (x{self.occurrences[m]}, e.g. {self.examples[m]})" for m in self.mismatches]
        lines += [f"  ALLOWED  {a} (x{self.occurrences[a]}): {ALLOWED[tuple(a.split(': ', 1))]}"
                  for a in self.allowed]
        return "\n".join(lines)


# --- the SDK's annotations ----------------------------------------------------------------------------------------


@cache
def _module_namespace(module_name: str) -> dict[str, Any]:
    """The module's globals plus its `if TYPE_CHECKING:` imports (under their local aliases)."""
    module = sys.modules[module_name]
    namespace = dict(vars(module))
    namespace.update({"ExpandableField": ExpandableField, "Literal": Literal})
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("stripe"):
            try:
                source = importlib.import_module(node.module)
            except ImportError:
                continue
            for alias in node.names:
                if hasattr(source, alias.name):
                    namespace.setdefault(alias.asname or alias.name, getattr(source, alias.name))
    return namespace


@cache
def fields_of(cls: type) -> dict[str, Any]:
    """Field name -> resolved annotation, for the class and its StripeObject bases below StripeObject itself."""
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass in (StripeObject, UntypedStripeObject, object) or not issubclass(klass, StripeObject):
            continue
        if not klass.__module__.startswith("stripe"):
            continue
        namespace = _module_namespace(klass.__module__)
        local: dict[str, Any] = {}
        owner: Any = sys.modules[klass.__module__]
        for part in klass.__qualname__.split("."):
            owner = getattr(owner, part)
            local.update({k: v for k, v in vars(owner).items() if inspect.isclass(v)})
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or name == "OBJECT_NAME":
                continue
            ref = typing.ForwardRef(annotation) if isinstance(annotation, str) else annotation
            hints[name] = typing._eval_type(ref, namespace, local)  # type: ignore[attr-defined]
    return hints


def class_for(object_name: str) -> type | None:
    if object_name not in OBJECT_CLASSES:
        return None
    module, name = OBJECT_CLASSES[object_name]
    return getattr(importlib.import_module(module), name)


def _optional(annotation: Any) -> bool:
    return get_origin(annotation) is Union and _NONE in get_args(annotation)


# --- objects --------------------------------------------------------------------------------------------------------


def check_object(report: Report, obj: dict, where: str) -> None:
    """A resource (or list of them) as the emulator sends it, against its SDK class."""
    kind = obj.get("object")
    if kind == "list":
        for i, item in enumerate(obj.get("data", [])):
            check_object(report, item, f"{where}.data[{i}]")
        return
    cls = class_for(str(kind))
    if cls is None:
        report.mismatch("unknown object", str(kind), f"at {where}")
        return
    report.objects += 1
    report.kinds[kind] += 1
    errors: list[str] = []
    _check_class(report, obj, cls, str(kind), errors)
    for error in errors:
        what, _, detail = error.partition(" | ")
        report.mismatch(what, detail, f"at {where}")
    if kind == "event":
        data = obj.get("data") or {}
        inner = data.get("object")
        if isinstance(inner, dict):
            check_object(report, inner, f"{where}({obj.get('type')}).data.object")
            previous = data.get("previous_attributes") or {}
            inner_cls = class_for(str(inner.get("object")))
            if inner_cls is not None:
                for name in previous:
                    if name not in fields_of(inner_cls):
                        report.mismatch("unknown field", f"{inner.get('object')}.previous_attributes.{name}",
                                        f"at {where}")


def _check_class(report: Report, value: Any, cls: type, path: str, errors: list[str]) -> None:
    if not isinstance(value, dict):
        errors.append(f"wrong type | {path}: expected {cls.__name__} object, got {type(value).__name__}")
        return
    if issubclass(cls, ListObject) or value.get("object") == "list":
        for name in value:
            if name not in ("object", "data", "has_more", "url", *_LIST_EXTRA):
                errors.append(f"unknown field | {path}.{name}")
        return
    kind = value.get("object")
    if isinstance(kind, str) and kind != getattr(cls, "OBJECT_NAME", kind) and class_for(kind) is not None:
        cls = class_for(kind)  # a polymorphic field (e.g. a deleted or another resource)
    hints = fields_of(cls)
    deleted = value.get("deleted") is True
    for name, item in value.items():
        report.fields += 1
        if name not in hints:
            if not (name == "object" and getattr(cls, "OBJECT_NAME", None) == item):
                errors.append(f"unknown field | {path}.{name}")
            continue
        _check_value(report, item, hints[name], f"{path}.{name}", errors)
    if not deleted:
        for name, annotation in hints.items():
            if name not in value and not _optional(annotation):
                errors.append(f"missing field | {path}.{name}")


def _check_value(report: Report, value: Any, annotation: Any, path: str, errors: list[str]) -> None:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is Any:
        return
    if origin is Union:
        if value is None:
            if _NONE not in args:
                errors.append(f"null not allowed | {path}")
            return
        # The SDK types enums as `Literal[...] | str` to stay open to future values; the Literal is the pinned set.
        literals = [v for a in args if get_origin(a) is Literal for v in get_args(a)]
        if literals and isinstance(value, str):
            if value not in literals:
                errors.append(f"enum value | {path}: {value!r} not in {sorted(literals)}")
            return
        attempts = []
        for option in [a for a in args if a is not _NONE]:
            trial: list[str] = []
            _check_value(Report(), value, option, path, trial)
            if not trial:
                _check_value(report, value, option, path, [])  # count the fields once, on the match
                return
            attempts.append(trial)
        errors.extend(min(attempts, key=len))
        return
    if value is None:
        errors.append(f"null not allowed | {path}")
        return
    if origin is Literal:
        if value not in args:
            errors.append(f"enum value | {path}: {value!r} not in {list(args)}")
        return
    if origin in (list, typing.List):
        if not isinstance(value, list):
            errors.append(f"wrong type | {path}: expected list")
            return
        for i, item in enumerate(value):
            _check_value(report, item, args[0], f"{path}[]", errors)
        return
    if origin in (dict, typing.Dict):
        if not isinstance(value, dict):
            errors.append(f"wrong type | {path}: expected hash")
            return
        for key, item in value.items():
            _check_value(report, item, args[1], f"{path}{{}}", errors)
        return
    if inspect.isclass(origin) and issubclass(origin, UntypedStripeObject):
        if not isinstance(value, dict):
            errors.append(f"wrong type | {path}: expected hash")
        return
    if inspect.isclass(origin) and issubclass(origin, ListObject):
        if not isinstance(value, dict) or value.get("object") != "list":
            errors.append(f"wrong type | {path}: expected list object")
            return
        _check_class(report, value, ListObject, path, errors)
        for item in value.get("data", []):
            _check_value(report, item, args[0], f"{path}.data[]", errors)
        return
    if inspect.isclass(annotation) and issubclass(annotation, StripeObject):
        _check_class(report, value, annotation, path, errors)
        return
    expected = {str: (str,), int: (int,), float: (int, float), bool: (bool,)}.get(annotation)
    if expected is None:
        return
    if not isinstance(value, expected) or (annotation is not bool and isinstance(value, bool)):
        errors.append(f"wrong type | {path}: expected {annotation.__name__}, got {type(value).__name__}")


# --- parameters -----------------------------------------------------------------------------------------------------


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


# --- recording what the emulator sends ----------------------------------------------------------------------------


class RecordingHTTPClient(stripe.RequestsClient):
    """The SDK's own HTTP client, keeping each JSON answer of the emulator."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, str, int, Any]] = []

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        content, status, response_headers = super().request(method, url, headers, post_data, **kwargs)
        try:
            self.answers.append((method.upper(), url, status, json.loads(content)))
        except ValueError:
            pass
        return content, status, response_headers


def check_recorded(report: Report, answers: list[tuple[str, str, int, Any]], events: list[dict]) -> None:
    for method, url, status, body in answers:
        if status < 300 and isinstance(body, dict):
            check_object(report, body, f"{method} {urlsplit(url).path}")
    for i, event in enumerate(events):
        check_object(report, event, f"webhook[{i}]")


def check_event_order(report: Report, events: list[dict]) -> None:
    """Events oldest first: an object's `*.created` comes before any other event about it."""
    seen: dict[str, str] = {}
    for event in events:
        obj = event["data"]["object"]
        if event["type"].endswith(".created") and obj.get("id") in seen:
            report.mismatch("event order", f"{event['type']} after {seen[obj['id']]}", f"on {obj['id']}")
        seen.setdefault(obj.get("id"), event["type"])


# --- the lifecycle --------------------------------------------------------------------------------------------------

DAY = 86400
FROZEN = 1_767_225_600  # 2026-01-01T00:00:00Z


def lifecycle(emu: Any, webhook_url: str) -> RecordingHTTPClient:
    """Checkout in both modes, trials, renewals, failed payments and dunning, plan changes (prorations, pending
    updates), previews, refunds, cancellations, portal, test clocks; every answer goes through the recorder."""
    recorder = RecordingHTTPClient()
    emu.client = stripe.StripeClient(emu.account["test_secret_key"], base_addresses={"api": emu.url},
                                     http_client=recorder, max_network_retries=0)
    v1 = emu.client.v1
    v1.webhook_endpoints.create({"url": webhook_url, "enabled_events": ["*"]})
    basic, premium = emu.price(1000, name="Basic"), emu.price(3100, name="Premium")
    yearly, pack = emu.price(10000, "year", name="Yearly"), emu.price(500, None, name="Pack")
    clock = emu.clock(FROZEN)

    # Checkout: subscription, payment, trial, decline, 3-D Secure.
    sub = emu.subscribe(basic, clock=clock)
    payment = emu.session(pack, customer=sub.customer)
    emu.pay(payment.id)
    v1.checkout.sessions.retrieve(payment.id, {"expand": ["line_items", "payment_intent"]})
    v1.checkout.sessions.line_items.list(payment.id)
    trial = emu.subscribe(premium, clock=clock, subscription_data={"trial_period_days": 7})
    emu.pay(emu.session(basic).id, "4000000000000002")
    challenged = emu.pay(emu.session(basic).id, "4000000000003220")
    emu.admin("POST", f"/payment_intents/{challenged['payment_intent']}/authenticate", {"outcome": "complete"})
    v1.checkout.sessions.expire(emu.session(basic).id)
    entitlements_and_usage(emu, clock)  # before the clock advances below, which renew its metered subscription
    stripe_as_is(emu, clock)  # the same for its tiered, taxed and paused subscriptions

    # Plan changes: deferred prorations, invoiced now, pending update declined then paid, preview.
    emu.advance(clock, 10 * DAY)
    item = sub["items"].data[0]
    v1.invoices.create_preview({"subscription": sub.id, "subscription_details": {
        "items": [{"id": item.id, "price": premium.id}], "proration_behavior": "always_invoice"}})
    v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": premium.id}],
                                     "proration_behavior": "create_prorations"})
    v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": basic.id}],
                                     "proration_behavior": "always_invoice", "metadata": {"plan": "basic"}})
    emu.admin("POST", f"/customers/{sub.customer}/card", {"card": "4000000000000341"})
    pending = v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": yearly.id}],
                                               "payment_behavior": "pending_if_incomplete",
                                               "expand": ["latest_invoice"]})
    v1.invoices.pay(pending.latest_invoice.id, {"payment_method": "pm_card_visa"})

    # Renewals, the trial's end, a failed renewal with its retries, a recovery.
    emu.advance(clock, 5 * DAY)
    v1.subscriptions.retrieve(trial.id, {"expand": ["latest_invoice", "customer"]})
    failing = emu.subscribe(basic, clock=clock)
    emu.admin("POST", f"/customers/{failing.customer}/card", {"card": "4000000000000341"})
    emu.advance(clock, 31 * DAY)
    emu.advance(clock, 3 * DAY)
    emu.admin("POST", f"/customers/{failing.customer}/card", {"card": "4242424242424242", "pay_open_invoices": True})

    # Refunds, direct payment intents, cancellations, portal.
    charge = v1.charges.list({"customer": sub.customer, "limit": 1}).data[0]
    v1.refunds.create({"charge": charge.id, "amount": 100, "reason": "requested_by_customer"})
    intent = v1.payment_intents.create({"amount": 700, "currency": "usd", "customer": sub.customer,
                                        "payment_method": "pm_card_visa", "confirm": True})
    v1.refunds.create({"payment_intent": intent.id})
    v1.payment_intents.cancel(v1.payment_intents.create({"amount": 300, "currency": "usd"}).id)
    v1.subscriptions.update(trial.id, {"cancel_at_period_end": True})
    v1.subscriptions.cancel(failing.id)
    portal = v1.billing_portal.sessions.create({"customer": sub.customer, "return_url": "http://127.0.0.1:9/back"})
    emu.admin("POST", f"/portal/{portal.id}/cancel", {"subscription": sub.id})
    emu.advance(clock, 40 * DAY)

    # Reads: every list with its expansions.
    v1.subscriptions.list({"status": "all", "expand": ["data.latest_invoice"]})
    v1.subscription_items.list({"subscription": sub.id})
    for invoice in v1.invoices.list({"limit": 100}).data[:3]:
        v1.invoices.line_items.list(invoice.id) if hasattr(v1.invoices, "line_items") else None
    v1.invoice_payments.list()
    v1.payment_intents.list({"limit": 100})
    v1.charges.list({"limit": 100, "expand": ["data.refunds"]})
    v1.refunds.list()
    v1.customers.list({"limit": 100})
    v1.customers.payment_methods.list(sub.customer)
    v1.products.list()
    v1.prices.list({"limit": 100})
    v1.checkout.sessions.list({"limit": 100})
    v1.test_helpers.test_clocks.list()
    v1.billing_portal.configurations.list()
    v1.webhook_endpoints.list()
    v1.account.retrieve() if hasattr(v1, "account") else None
    v1.balance.retrieve()
    list(v1.events.list({"limit": 100}).auto_paging_iter())
    v1.customers.delete(v1.customers.create({"email": "gone@example.com"}).id)
    return recorder


# --- expansion and ids ----------------------------------------------------------------------------------------------

# Ids the emulator hands out that Stripe serves at no retrieve route either (or that are not Stripe objects).
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
