"""Request parameters: Stripe's bracket-notation form decoding, typed accessors and unknown-parameter checks."""

from __future__ import annotations

import importlib
import re
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
_allowed_cache: dict[str, frozenset[str] | None] = {}


def allowed_parameters(type_name: str) -> frozenset[str] | None:
    """Top-level parameter names of `stripe.params.<type_name>`, or None when the SDK does not have it."""
    if type_name not in _allowed_cache:
        module_name, _, class_name = type_name.rpartition(".")
        try:
            module = importlib.import_module("stripe.params" + (f".{module_name}" if module_name else ""))
            cls = getattr(module, class_name)
            keys = set(getattr(cls, "__required_keys__", set())) | set(getattr(cls, "__optional_keys__", set()))
            _allowed_cache[type_name] = frozenset(keys - _CLIENT_OPTIONS) or None
        except (ImportError, AttributeError):
            _allowed_cache[type_name] = None
    return _allowed_cache[type_name]


def check_known(params: dict, type_name: str | None, extra: Iterable[str] = (),
                reads: Iterable[str] | None = None) -> None:
    """Refuses a parameter the SDK does not declare for the operation, and one it declares that the handler does
    not read (`reads`): the emulator would ignore it silently, so it answers as Stripe does for unknown ones."""
    if not type_name:
        return
    allowed = allowed_parameters(type_name)
    if allowed is None:
        return
    if reads is not None:
        allowed = allowed & set(reads)
    allowed = allowed | set(extra)
    for name in params:
        if name not in allowed:
            raise errors.unknown_parameter(name)
