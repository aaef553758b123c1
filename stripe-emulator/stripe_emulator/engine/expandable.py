"""What `expand[]` may name: the fields the pinned SDK's resource classes type as `ExpandableField[...]`, and the
hashes and lists an expansion path may walk through to reach one."""

from __future__ import annotations

import importlib
import inspect
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import StripeObject

EXPANDABLE, HASH, LIST = "expandable", "hash", "list"


@dataclass(frozen=True)
class Field:
    kind: str  # EXPANDABLE: an id or the object; HASH: a nested object (or a list of them); LIST: a list object
    cls: type | None = None  # HASH: the nested object's class


@cache
def sdk_class(object_name: str) -> type | None:
    """The SDK resource class of an `object` value (`checkout.session` -> stripe.checkout.Session)."""
    if object_name not in OBJECT_CLASSES:
        return None
    module, name = OBJECT_CLASSES[object_name]
    return getattr(importlib.import_module(module), name)


def _annotations(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if inspect.isclass(klass) and issubclass(klass, StripeObject) and klass.__module__.startswith("stripe."):
            out.update(vars(klass).get("__annotations__", {}))
    return out


@cache
def field(cls: type, name: str) -> Field | None:
    """How an expansion path may use field `name` of `cls`, or None when it cannot."""
    annotation = _annotations(cls).get(name)
    if annotation is None:
        return None
    if field_of_type(annotation) == EXPANDABLE:
        return Field(EXPANDABLE)
    args = [a for a in typing.get_args(annotation) if a is not type(None)] if _is_union(annotation) else [annotation]
    if len(args) != 1:
        return None
    only = args[0]
    origin = typing.get_origin(only)
    if origin is list and typing.get_args(only) and field_of_type(typing.get_args(only)[0]) == EXPANDABLE:
        return Field(EXPANDABLE)  # a list of ids (`discounts`), each expanded
    if origin is not None and inspect.isclass(origin) and issubclass(origin, ListObject):
        return Field(LIST)
    if origin is list and typing.get_args(only) and _is_object(typing.get_args(only)[0]):
        return Field(HASH, typing.get_args(only)[0])
    if _is_object(only):
        return Field(HASH, only)
    return None


def field_of_type(annotation: Any) -> str | None:
    """EXPANDABLE for `ExpandableField[X]` (optional or not), which is Union[str, X]: an id, or the object."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)] if _is_union(annotation) else []
    if str in args and any(isinstance(a, typing.ForwardRef) or _is_object(a) for a in args):
        return EXPANDABLE
    return None


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) is typing.Union


def _is_object(value: Any) -> bool:
    return inspect.isclass(value) and issubclass(value, StripeObject)


def expandable_paths(cls: type, depth: int = 2, prefix: str = "") -> list[str]:
    """Every path to an expandable field of `cls`, through its nested hashes (not through other resources)."""
    paths = []
    for name in sorted(_annotations(cls)):
        info = field(cls, name)
        if info is None:
            continue
        if info.kind == EXPANDABLE:
            paths.append(prefix + name)
        elif info.kind == HASH and info.cls is not None and depth > 0:
            paths += expandable_paths(info.cls, depth - 1, f"{prefix}{name}.")
    return paths
