"""The top-level request parameters a handler reads, found in its source (and the emulator helpers it passes them to).

A parameter the SDK declares for an operation but the handler never reads would be accepted and silently ignored;
`check_known` refuses it instead, as Stripe refuses a parameter it does not know.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from functools import cache
from typing import Any

PACKAGE = __name__.rpartition(".")[0]
# Accessors of `params.py` whose second argument names the parameter read (get_metadata: `name`, default metadata).
_ACCESSORS = {"get_str", "get_int", "get_bool", "get_dict", "get_list", "range_filter"}


def handler_reads(handler: Callable[..., Any]) -> frozenset[str]:
    """Parameter names `handler(ctx, params, ...)` reads."""
    names = list(inspect.signature(handler).parameters)
    reads = _reads(handler, names[1]) if len(names) > 1 else frozenset()
    return frozenset(name for name in reads if not name.startswith("$"))


@cache
def _reads(fn: Callable[..., Any], arg: str) -> frozenset[str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    found: set[str] = set()
    scope = getattr(fn, "__globals__", {})
    loops = _loops(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found |= _call_reads(node, arg, scope, fn, loops)
        elif isinstance(node, ast.Subscript) and _is(node.value, arg):
            found |= _keys(node.slice, loops)
        elif isinstance(node, ast.Compare) and any(_is(c, arg) for c in node.comparators):
            found |= _keys(node.left, loops)
    return frozenset(found)


def _call_reads(node: ast.Call, arg: str, scope: dict, fn: Callable[..., Any],
                loops: dict[str, set[str]]) -> set[str]:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "get" and _is(func.value, arg) and node.args:
        return _keys(node.args[0], loops)
    positions = [i for i, a in enumerate(node.args) if _is(a, arg)]
    keywords = [k.arg for k in node.keywords if k.arg and _is(k.value, arg)]
    if not positions and not keywords:
        return set()
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name in _ACCESSORS and positions == [0]:
        return _keys(node.args[1], loops) if len(node.args) > 1 else set()
    if name == "get_metadata" and positions == [0]:
        given = [k.value for k in node.keywords if k.arg == "name"] + node.args[2:3]
        return _keys(given[0], loops) if given else {"metadata"}
    target = _resolve(func, scope)
    if target is None or target is fn:
        return set()
    params = list(inspect.signature(target).parameters)
    passed = {params[i]: _keys(a, loops) for i, a in enumerate(node.args) if i < len(params)}
    passed |= {k.arg: _keys(k.value, loops) for k in node.keywords if k.arg}
    found: set[str] = set()
    for name in [params[i] for i in positions if i < len(params)] + keywords:
        for key in _reads(target, name):
            found |= passed.get(key[1:], set()) if key.startswith("$") else {key}
    return found


def _resolve(func: ast.expr, scope: dict) -> Callable[..., Any] | None:
    """An emulator function called by name (`helper(...)`) or through its module (`billing.helper(...)`)."""
    target: Any = None
    if isinstance(func, ast.Name):
        target = scope.get(func.id)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        target = getattr(scope.get(func.value.id), func.attr, None)
    if inspect.isfunction(target) and target.__module__.startswith(PACKAGE):
        return target
    return None


def _is(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _keys(node: ast.expr, loops: dict[str, set[str]]) -> set[str]:
    """The parameter names an expression stands for: a string constant, a loop variable over constants
    (`for name in ("a", "b")`), or a helper's own argument naming it (`_url(params, name)`), which reads as `$name`
    for the caller to resolve to the constant it passes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name):
        return loops.get(node.id) or {f"${node.id}"}
    return set()


def _loops(tree: ast.AST) -> dict[str, set[str]]:
    loops: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.For) and isinstance(node.target, ast.Name)
                and isinstance(node.iter, (ast.Tuple, ast.List))):
            loops[node.target.id] = {e.value for e in node.iter.elts
                                     if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return loops
