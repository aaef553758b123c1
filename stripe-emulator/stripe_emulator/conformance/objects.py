"""Conformance of objects to the pinned stripe SDK's own types: each answer and webhook payload against its resource
class (no unknown field, every required one present, enums in their pinned set), and Stripe's event order."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import typing
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

from stripe._expandable_field import ExpandableField  # noqa: F401 (resolves annotations that name it)
from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import StripeObject, UntypedStripeObject

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


