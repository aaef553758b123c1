"""The search endpoints (`GET /v1/<resources>/search`) and Stripe's search query language over stored objects."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..engine import errors
from ..engine.params import get_int, get_str
from ..engine.render import render
from ..engine.routes import Ctx, api
from ..engine.store import World

MAX_CLAUSES = 10
# Values are quoted with double or single quotes (Stripe's reference writes `email:'a@b.c'`); `\` escapes a quote.
_CLAUSE = re.compile(r"""\s*(?P<neg>-)?(?P<field>[a-z_][a-z0-9_.]*)(?:\[(?P<q>['"])(?P<key>[^'"]+)(?P=q)\])?"""
                     r"""\s*(?P<op>>=|<=|:|~|>|<)\s*(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']+)\s*""")
_ESCAPE = re.compile(r"\\(.)")
_JOIN = re.compile(r"\s*(AND|OR)\s+")
Getter = Callable[[World, dict], Any]


def _path(*parts: str) -> Getter:
    def get(world: World, obj: dict) -> Any:
        value: Any = obj
        for part in parts:
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return get


def _invoice_subscription(world: World, invoice: dict) -> Any:
    return ((invoice.get("parent") or {}).get("subscription_details") or {}).get("subscription")


def _finalization_code(world: World, invoice: dict) -> Any:
    return (invoice.get("last_finalization_error") or {}).get("code")


# Resource -> (collection, Params type, searchable field -> getter). Numeric fields allow comparisons.
@dataclass(frozen=True)
class Searchable:
    collection: str
    params_type: str
    fields: dict[str, Getter]
    numeric: frozenset[str]


_CARD = ("payment_method_details", "card")
RESOURCES = {
    "customers": Searchable("customers", "CustomerSearchParams", {
        "created": _path("created"), "email": _path("email"), "name": _path("name"), "phone": _path("phone"),
    }, frozenset({"created"})),
    "subscriptions": Searchable("subscriptions", "SubscriptionSearchParams", {
        "created": _path("created"), "status": _path("status"),
    }, frozenset({"created"})),
    "invoices": Searchable("invoices", "InvoiceSearchParams", {
        "created": _path("created"), "currency": _path("currency"), "customer": _path("customer"),
        "last_finalization_error_code": _finalization_code, "number": _path("number"),
        "receipt_number": _path("receipt_number"), "status": _path("status"),
        "subscription": _invoice_subscription, "total": _path("total"),
    }, frozenset({"created", "total"})),
    "charges": Searchable("charges", "ChargeSearchParams", {
        "amount": _path("amount"), "billing_details.address.postal_code": _path("billing_details", "address",
                                                                                "postal_code"),
        "created": _path("created"), "currency": _path("currency"), "customer": _path("customer"),
        "disputed": _path("disputed"), "payment_intent": _path("payment_intent"),
        "payment_method_details.card.brand": _path(*_CARD, "brand"),
        "payment_method_details.card.exp_month": _path(*_CARD, "exp_month"),
        "payment_method_details.card.exp_year": _path(*_CARD, "exp_year"),
        "payment_method_details.card.fingerprint": _path(*_CARD, "fingerprint"),
        "payment_method_details.card.last4": _path(*_CARD, "last4"),
        "refunded": _path("refunded"), "status": _path("status"),
    }, frozenset({"amount", "created"})),
    "payment_intents": Searchable("payment_intents", "PaymentIntentSearchParams", {
        "amount": _path("amount"), "created": _path("created"), "currency": _path("currency"),
        "customer": _path("customer"), "status": _path("status"),
    }, frozenset({"amount", "created"})),
    "prices": Searchable("prices", "PriceSearchParams", {
        "active": _path("active"), "currency": _path("currency"), "lookup_key": _path("lookup_key"),
        "product": _path("product"), "type": _path("type"),
    }, frozenset()),
    "products": Searchable("products", "ProductSearchParams", {
        "active": _path("active"), "description": _path("description"), "name": _path("name"),
        "url": _path("url"),
    }, frozenset()),
}


def _parse_error(detail: str) -> errors.StripeError:
    return errors.invalid(f"There was an error parsing your query: {detail}. See "
                          "https://stripe.com/docs/search#search-query-language for the query language.",
                          param="query")


@dataclass(frozen=True)
class Clause:
    field: str
    key: str | None  # metadata key
    op: str
    value: Any  # str, int, bool or None (`null`)
    negated: bool


def parse(resource: str, query: str) -> tuple[list[Clause], str]:
    """Clauses and their combinator ("AND" or "OR"; Stripe refuses mixing them)."""
    spec = RESOURCES[resource]
    clauses: list[Clause] = []
    joins: set[str] = set()
    position = 0
    while True:
        match = _CLAUSE.match(query, position)
        if match is None:
            raise _parse_error(f"unexpected input at position {position} ({query[position:position + 20]!r})")
        clauses.append(_clause(resource, spec, match))
        position = match.end()
        if position == len(query):
            break
        join = _JOIN.match(query, position)
        if join is None:
            raise _parse_error(f"expected AND or OR at position {position}")
        joins.add(join.group(1))
        position = join.end()
    if len(joins) > 1:
        raise _parse_error("a query cannot combine AND and OR")
    if len(clauses) > MAX_CLAUSES:
        raise _parse_error(f"a query has at most {MAX_CLAUSES} clauses")
    return clauses, joins.pop() if joins else "AND"


def _clause(resource: str, spec: Searchable, match: re.Match) -> Clause:
    field, key, op, raw = match["field"], match["key"], match["op"], match["value"]
    if key is not None and field != "metadata":
        raise _parse_error(f"only metadata takes a key, not `{field}`")
    if key is None and field not in spec.fields:
        raise errors.invalid(f"Field `{field}` is an unsupported search field for resource `{resource}`. See "
                             "https://stripe.com/docs/search#query-fields-for-" + resource.replace("_", "-") +
                             " for a list of supported fields.", param="query")
    quoted = raw[:1] in ("'", '"')
    value: Any = _ESCAPE.sub(r"\1", raw[1:-1]) if quoted else raw
    if op in (">", "<", ">=", "<="):
        if key is not None or field not in spec.numeric:
            raise _parse_error(f"`{field}` does not support numeric comparisons")
    if not quoted:
        if raw == "null":
            value = None
        elif raw in ("true", "false"):
            value = raw == "true"
        elif re.fullmatch(r"-?\d+", raw):
            value = int(raw)
        else:
            raise _parse_error(f"string values must be quoted ({raw})")
    if op == "~" and (not isinstance(value, str) or len(value) < 3):
        raise _parse_error("the substring operator ~ takes a quoted value of at least 3 characters")
    return Clause(field, key, op, value, bool(match["neg"]))


def _matches(world: World, spec: Searchable, obj: dict, clause: Clause) -> bool:
    actual = (obj.get("metadata") or {}).get(clause.key) if clause.key is not None else \
        spec.fields[clause.field](world, obj)
    wanted, op = clause.value, clause.op
    if op == ":":
        if wanted is None:
            result = actual in (None, "")
        elif isinstance(actual, bool) or isinstance(wanted, bool):
            result = str(actual).lower() == str(wanted).lower()
        elif isinstance(actual, int) and not isinstance(wanted, bool):
            result = str(actual) == str(wanted)
        else:  # Stripe's exact match ignores case
            result = isinstance(actual, str) and actual.lower() == str(wanted).lower()
    elif op == "~":
        result = isinstance(actual, str) and str(wanted).lower() in actual.lower()
    else:
        if not isinstance(actual, int) or not isinstance(wanted, int):
            result = False
        else:
            result = {">": actual > wanted, "<": actual < wanted, ">=": actual >= wanted,
                      "<=": actual <= wanted}[op]
    return result != clause.negated


def _page_token(offset: int, query: str) -> str:
    raw = json.dumps({"o": offset, "q": query}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(page: str | None, query: str) -> int:
    if not page:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(page + "=" * (-len(page) % 4)))
        offset, same_query = int(decoded["o"]), decoded["q"] == query
    except (ValueError, KeyError, TypeError):
        raise errors.invalid("Invalid page: the `page` parameter must be a `next_page` value from a previous "
                             "search.", param="page") from None
    if not same_query:
        raise errors.invalid("The `page` parameter belongs to another query.", param="page")
    return offset


def search(ctx: Ctx, params: dict, resource: str) -> dict:
    spec = RESOURCES[resource]
    query = get_str(params, "query", required=True) or ""
    limit = get_int(params, "limit", minimum=1)
    limit = 10 if limit is None else limit
    if limit > 100:
        raise errors.invalid("Invalid limit: must be between 1 and 100", param="limit")
    clauses, join = parse(resource, query)
    test = all if join == "AND" else any
    found = [obj for obj in ctx.world.newest_first(spec.collection)
             if not obj.get("_deleted") and test(_matches(ctx.world, spec, obj, c) for c in clauses)]
    offset = _offset(get_str(params, "page"), query)
    page = found[offset:offset + limit]
    has_more = offset + limit < len(found)
    item_paths = [p[len("data."):] for p in ctx.expand if p.startswith("data.")]
    other = [p for p in ctx.expand if not p.startswith("data.") and p != "total_count"]
    if other:
        raise errors.invalid(f"This property cannot be expanded ({other[0]}).", param="expand")
    out = {"object": "search_result", "data": [render(ctx.world, spec.collection, o, item_paths) for o in page],
           "has_more": has_more, "next_page": _page_token(offset + limit, query) if has_more else None,
           "url": f"/v1/{resource}/search"}
    if "total_count" in ctx.expand:
        out["total_count"] = len(found)
    return out


def _register(resource: str, spec: Searchable) -> None:
    def handler(ctx: Ctx, params: dict) -> dict:
        return search(ctx, params, resource)

    handler.__name__ = f"search_{resource}"
    api("GET", f"/v1/{resource}/search", spec.collection, spec.params_type)(handler)


for _resource, _spec in RESOURCES.items():
    _register(_resource, _spec)
