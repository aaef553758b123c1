"""Request parameters: Stripe's bracket-notation form decoding, typed accessors and unknown-parameter checks."""

from __future__ import annotations

import importlib
import re
import typing
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from . import errors

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


def decode_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`items[0][price]=x&expand[]=y&metadata[k]=v` -> `{"items": [{"price": "x"}], "expand": ["y"], ...}`."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if not match:
            raise errors.invalid(f"Invalid parameter name: {raw_key}", param=raw_key)
        parts = [match.group(1)] + _PART.findall(match.group(2))
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":
                # `x[]` appends; arrays of scalars only, as the SDKs send them.
                if not isinstance(node, list):
                    raise errors.invalid(f"Invalid array parameter: {raw_key}", param=raw_key)
                if last:
                    node.append(value)
                    break
                node.append({})
                node = node[-1]
                continue
            nxt_is_array = not last and parts[i + 1] == ""
            if isinstance(node, list):
                raise errors.invalid(f"Invalid array parameter: {raw_key}", param=raw_key)
            if last:
                node[part] = value
            else:
                if part not in node or not isinstance(node[part], (dict, list)):
                    node[part] = [] if nxt_is_array else {}
                node = node[part]
    return _listify(root)


def _listify(node: Any) -> Any:
    """Dicts keyed `0..n` (from `items[0][price]`) become lists, in index order."""
    if isinstance(node, list):
        return [_listify(v) for v in node]
    if isinstance(node, dict):
        converted = {k: _listify(v) for k, v in node.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    return node


def decode_form(body: str) -> dict[str, Any]:
    return decode_pairs(parse_qsl(body, keep_blank_values=True))


# --- typed accessors --------------------------------------------------------------------------------------------


def get_str(params: dict, name: str, *, required: bool = False, param: str | None = None,
            choices: Iterable[str] | None = None) -> str | None:
    value = params.get(name)
    label = param or name
    if value is None:
        if required:
            raise errors.missing_parameter(label)
        return None
    if not isinstance(value, str):
        raise errors.invalid(f"Invalid string: {label}", param=label)
    if choices is not None and value not in choices:
        raise errors.invalid(
            f"Invalid {label}: must be one of {', '.join(choices)}", param=label, code="parameter_invalid_string"
        )
    return value


def get_int(params: dict, name: str, *, required: bool = False, param: str | None = None,
            minimum: int | None = None) -> int | None:
    value = params.get(name)
    label = param or name
    if value is None or value == "":
        if required:
            raise errors.missing_parameter(label)
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.invalid(f"Invalid integer: {value}", param=label, code="parameter_invalid_integer") from None
    if minimum is not None and number < minimum:
        raise errors.invalid(f"Invalid {label}: must be greater than or equal to {minimum}", param=label,
                             code="parameter_invalid_integer")
    return number


def get_bool(params: dict, name: str, *, param: str | None = None) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "True", "1"):
        return True
    if value in ("false", "False", "0"):
        return False
    raise errors.invalid(f"Invalid boolean: {value}", param=param or name)


def get_dict(params: dict, name: str, *, param: str | None = None) -> dict:
    value = params.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise errors.invalid(f"Invalid hash: {param or name}", param=param or name)
    return value


def get_list(params: dict, name: str, *, param: str | None = None) -> list:
    value = params.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        # `x[0]=..` decoded sparse (or a JSON object) still reads as a list.
        value = list(value.values())
    if not isinstance(value, list):
        if isinstance(value, str):
            return [value]
        raise errors.invalid(f"Invalid array: {param or name}", param=param or name)
    return value


def get_metadata(params: dict, current: dict | None = None, name: str = "metadata") -> dict:
    """Metadata merges into the existing one; an empty value unsets a key, `metadata=""` clears it all."""
    if name not in params:
        return dict(current or {})
    value = params[name]
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise errors.invalid(f"Invalid hash: {name}", param=name)
    merged = dict(current or {})
    for key, item in value.items():
        if item in ("", None):
            merged.pop(key, None)
        else:
            if len(merged) >= 50 and key not in merged:
                raise errors.invalid("Metadata can have up to 50 keys.", param=f"{name}[{key}]")
            merged[key] = str(item)
    return merged


def expand_paths(params: dict) -> list[str]:
    return [str(p) for p in get_list(params, "expand")]


def range_filter(params: dict, name: str) -> dict[str, int]:
    """`created=123` or `created[gte]=..&created[lt]=..` as `{"gte": 123, ...}`."""
    value = params.get(name)
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        unknown = set(value) - {"gt", "gte", "lt", "lte"}
        if unknown:
            raise errors.unknown_parameter(f"{name}[{sorted(unknown)[0]}]")
        return {op: get_int(value, op, param=f"{name}[{op}]") for op in value}
    return {"eq": get_int(params, name)}


def in_range(value: int | None, bounds: dict[str, int]) -> bool:
    if not bounds:
        return True
    if value is None:
        return False
    checks = {
        "eq": lambda b: value == b, "gt": lambda b: value > b, "gte": lambda b: value >= b,
        "lt": lambda b: value < b, "lte": lambda b: value <= b,
    }
    return all(checks[op](bound) for op, bound in bounds.items())


# --- unknown parameters, from the SDK's own parameter types for the pinned version --------------------------------

_CLIENT_OPTIONS = {"api_key", "stripe_version", "stripe_account", "stripe_context", "idempotency_key", "headers",
                   "max_network_retries"}
# A Params type's shape: parameter name -> the shape below it, None where any value goes (a scalar, a free-form
# hash such as metadata). Lists are transparent: `line_items` has the shape of one line item, marked with LIST.
Shape = dict[str, Any]
LIST = "[]"  # a key no parameter can have (brackets separate names)
_shape_cache: dict[str, Shape | None] = {}


def allowed_parameters(type_name: str) -> frozenset[str] | None:
    """Top-level parameter names of `stripe.params.<type_name>`, or None when the SDK does not have it."""
    shape = params_shape(type_name)
    return None if shape is None else frozenset(shape)


def params_shape(type_name: str) -> Shape | None:
    """The nested shape of `stripe.params.<type_name>` (see `Shape`), or None when the SDK does not have it."""
    if type_name not in _shape_cache:
        module_name, _, class_name = type_name.rpartition(".")
        try:
            module = importlib.import_module("stripe.params" + (f".{module_name}" if module_name else ""))
            cls = getattr(module, class_name)
        except (ImportError, AttributeError):
            _shape_cache[type_name] = None
        else:
            shape = _typed_dict_shape(cls, {})
            # An empty type (`ProductFeatureDeleteParams`) is a known operation that takes no parameter at all.
            _shape_cache[type_name] = {k: v for k, v in shape.items() if k not in _CLIENT_OPTIONS}
    return _shape_cache[type_name]


def _typed_dict_shape(cls: type, seen: dict[type, Shape]) -> Shape:
    if cls in seen:
        return seen[cls]
    shape: Shape = {}
    seen[cls] = shape
    namespace = vars(importlib.import_module(cls.__module__))
    for name, annotation in cls.__annotations__.items():  # a TypedDict's own keys and its bases'
        if name not in _CLIENT_OPTIONS:
            shape[name] = _annotation_shape(annotation, namespace, seen)
    return shape


def _annotation_shape(annotation: Any, namespace: dict, seen: dict[type, Shape]) -> Shape | None:
    if isinstance(annotation, str):
        annotation = typing.ForwardRef(annotation)
    if isinstance(annotation, typing.ForwardRef):
        try:
            annotation = eval(annotation.__forward_arg__, namespace)  # noqa: S307 (the SDK's own annotation)
        except Exception:  # noqa: BLE001 (a name the SDK imports only for type checkers: free-form)
            return None
    if isinstance(annotation, type) and hasattr(annotation, "__optional_keys__"):  # a TypedDict
        return _typed_dict_shape(annotation, seen)
    origin = typing.get_origin(annotation)
    if origin in (list, typing.List, typing.Union) or str(origin).endswith("NotRequired"):  # noqa: UP006
        merged: Shape | None = None
        for arg in typing.get_args(annotation):
            sub = _annotation_shape(arg, namespace, seen)
            if sub is not None:
                merged = {**(merged or {}), **sub}
        if merged is not None and origin in (list, typing.List):  # noqa: UP006
            merged[LIST] = None
        return merged
    return None


def check_known(params: dict, type_name: str | None, extra: Iterable[str] = (),
                reads: dict[str, Any] | None = None) -> None:
    """Refuses a parameter the SDK does not declare for the operation, and one it declares that the handler does
    not read (`reads`, the tree of `reads.py`), at any depth (`payment_intent_data[capture_method]`): the emulator
    would ignore it silently, so it answers as Stripe does for unknown ones."""
    if not type_name:
        return
    shape = params_shape(type_name)
    if shape is None:
        return
    shape = {**shape, **{name: None for name in extra}}
    tree = reads if reads is not None else shape
    tree = {**tree, **{name: None for name in extra}}
    _check_level(params, shape, tree, None)


def _check_level(value: dict, shape: Shape, tree: dict[str, Any], label: str | None) -> None:
    for name, item in value.items():
        where = name if label is None else f"{label}[{name}]"
        if name not in shape or name not in tree:
            raise errors.unknown_parameter(where)
        below, read = shape[name], tree[name]
        if below is None or read is None:
            continue
        if isinstance(item, dict):
            _check_level(item, below, read, where)
        elif isinstance(item, list):
            for i, element in enumerate(item):
                if isinstance(element, dict):
                    _check_level(element, below, read, f"{where}[{i}]")
