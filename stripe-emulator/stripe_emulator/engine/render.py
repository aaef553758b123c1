"""Stored objects to API JSON: private fields dropped, per-type renderers, `expand[]`, list objects and pagination."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from . import errors
from .expandable import EXPANDABLE, field, sdk_class
from .params import get_int, get_str
from .store import KINDS, World

Renderer = Callable[[World, dict], dict]

# Collection -> function that builds the public shape from the stored dict (default: a copy without `_` keys).
RENDERERS: dict[str, Renderer] = {}
# (collection, field) -> function computing a field Stripe only returns when expanded (e.g. session line_items).
VIRTUAL_FIELDS: dict[tuple[str, str], Callable[[World, dict], Any]] = {}
# The same for a hash inside an object, by the SDK class's qualified name (`LineItem`, `Session.TotalDetails`):
# (class name, field) -> function of (world, the hash, the stored object it is part of).
INCLUDABLE: dict[tuple[str, str], Callable[[World, dict, dict], Any]] = {}
# Stripe `object` value -> collection, to expand inside embedded objects.
OBJECT_COLLECTIONS = {
    "product": "products", "price": "prices", "customer": "customers", "payment_method": "payment_methods",
    "checkout.session": "checkout_sessions", "subscription": "subscriptions", "subscription_item": "subscription_items",
    "invoice": "invoices", "invoiceitem": "invoiceitems", "invoice_payment": "invoice_payments",
    "payment_intent": "payment_intents", "charge": "charges", "refund": "refunds", "event": "events",
    "webhook_endpoint": "webhook_endpoints", "billing_portal.configuration": "portal_configurations",
    "billing_portal.session": "portal_sessions", "test_helpers.test_clock": "test_clocks",
    "balance_transaction": "balance_transactions", "dispute": "disputes", "coupon": "coupons",
    "promotion_code": "promotion_codes", "discount": "discounts", "setup_intent": "setup_intents",
    "tax_id": "tax_ids",
}


def renderer(collection: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[collection] = fn
        return fn
    return register


def virtual_field(collection: str, name: str) -> Callable:
    def register(fn: Callable[[World, dict], Any]) -> Callable[[World, dict], Any]:
        VIRTUAL_FIELDS[(collection, name)] = fn
        return fn
    return register


def includable(class_name: str, name: str) -> Callable:
    def register(fn: Callable[[World, dict, dict], Any]) -> Callable[[World, dict, dict], Any]:
        INCLUDABLE[(class_name, name)] = fn
        return fn
    return register


def public(obj: Any) -> Any:
    """Deep copy without private (`_`-prefixed) keys."""
    if isinstance(obj, dict):
        return {k: public(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return copy.copy(obj)


def render(world: World, collection: str | None, obj: dict, expand: Iterable[str] = ()) -> dict:
    """The API shape of a stored object (`collection` None: an embedded object with no renderer of its own)."""
    fn = RENDERERS.get(collection) if collection else None
    out = fn(world, obj) if fn else public(obj)
    paths = list(expand)
    if paths:
        _check_depth(paths)
        _expand(world, out, _tree(paths), None, obj)
    return out


def list_object(url: str, data: list[dict], has_more: bool = False) -> dict:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


# Stripe expands at most four levels (`data.invoice.subscription.default_source` on a list).
MAX_EXPAND_DEPTH = 4


def _check_depth(paths: list[str]) -> None:
    for path in paths:
        if path.count(".") >= MAX_EXPAND_DEPTH:
            raise errors.invalid(f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. Property: "
                                 f"{path}", param="expand")


def _tree(paths: list[str]) -> dict:
    tree: dict = {}
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree


def _cannot(name: str) -> errors.StripeError:
    return errors.invalid(f"This property cannot be expanded ({name}).", param="expand")


def _expanded(world: World, value: Any, name: str) -> Any:
    """An id (or each id of a list of them, e.g. `discounts`) as its object."""
    if isinstance(value, list):
        return [_expanded(world, item, name) for item in value]
    if not isinstance(value, str):
        return value
    found = world.lookup(value)
    if found is None:
        raise _cannot(name)
    return render(world, *found)


def _expand(world: World, out: dict, tree: dict, cls: type | None, root: dict) -> None:
    """Expands `tree`'s paths in `out`: a field the SDK types `ExpandableField` becomes its object, an includable
    one (VIRTUAL_FIELDS, INCLUDABLE) is computed; nested hashes and lists on the way are walked; anything else is
    Stripe's 400. `cls` is the SDK class of a nested hash (an object with an `object` value is typed by it); `root`
    the stored object the expansion started from."""
    kind = out.get("object")
    collection = OBJECT_COLLECTIONS.get(kind) if isinstance(kind, str) else None
    if isinstance(kind, str) and kind != "list":
        cls = sdk_class(kind) or cls
    for name, subtree in tree.items():
        if kind == "list":
            if name != "data":
                raise _cannot(name)
            for item in out.get("data", []):
                if isinstance(item, dict) and subtree:
                    _expand(world, item, subtree, None, root)
            continue
        info = field(cls, name) if cls is not None else None
        if collection and (collection, name) in VIRTUAL_FIELDS:
            if name not in out:
                stored = world.find(collection, out.get("id"))
                out[name] = VIRTUAL_FIELDS[(collection, name)](world, stored if stored is not None else out)
        elif cls is not None and (cls.__qualname__, name) in INCLUDABLE:
            if name not in out:
                out[name] = INCLUDABLE[(cls.__qualname__, name)](world, out, root)
        elif info is None or (info.kind != EXPANDABLE and not subtree):
            raise _cannot(name)
        elif info.kind == EXPANDABLE:
            out[name] = _expanded(world, out.get(name), name)
        value = out.get(name)
        if not subtree or value is None:
            continue
        nested = info.cls if info is not None else None
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                _expand(world, item, subtree, nested, root)


def paginate(world: World, collection: str | None, items: list[dict], params: dict, url: str,
             expand: Iterable[str] = ()) -> dict:
    """Stripe's cursor pagination over `items` (already newest first): `limit`, `starting_after`, `ending_before`."""
    limit = get_int(params, "limit", minimum=1)
    limit = 10 if limit is None else limit
    if limit > 100:
        raise errors.invalid("Invalid limit: must be between 1 and 100", param="limit")
    starting_after = get_str(params, "starting_after")
    ending_before = get_str(params, "ending_before")
    ids = [item["id"] for item in items]
    if starting_after:
        if starting_after not in ids:
            raise errors.missing(KINDS.get(collection or "", "object"), starting_after, param="starting_after",
                                 status=400)
        tail = items[ids.index(starting_after) + 1:]
        page, has_more = tail[:limit], len(tail) > limit
    elif ending_before:
        if ending_before not in ids:
            raise errors.missing(KINDS.get(collection or "", "object"), ending_before, param="ending_before",
                                 status=400)
        head = items[:ids.index(ending_before)]
        page, has_more = head[-limit:], len(head) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    _check_depth(list(expand))
    item_paths = [p[len("data."):] for p in expand if p.startswith("data.")]
    other = [p.split(".")[0] for p in expand if not p.startswith("data.")]
    if other:
        raise errors.invalid(f"This property cannot be expanded ({other[0]}). You may want to try expanding "
                             f"'data.{other[0]}' instead.", param="expand")
    return list_object(url, [render(world, collection, item, item_paths) for item in page], has_more)
