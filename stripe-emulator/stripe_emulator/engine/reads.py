"""The request parameters a handler reads, nested ones included, found in its source (and in the emulator helpers
it passes them to).

A parameter the SDK declares for an operation but the handler never reads would be accepted and silently ignored;
`params.check_known` refuses it instead, as Stripe refuses a parameter it does not know. The answer is a tree:
`{"line_items": {"price": None, "price_data": {...}}, "metadata": None}`, where None means the whole value is read
(a scalar, a free-form hash such as metadata, or a hash the handler walks itself) and a dict lists the only keys
read below that parameter (a hash or a list of hashes read key by key).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from functools import cache
from typing import Any

PACKAGE = __name__.split(".", 1)[0]  # the top package: helpers anywhere in it are followed
Tree = dict[str, Any]  # name -> Tree | None
Path = tuple[str, ...]
# Accessors of `params.py` whose second argument names the parameter read; get_dict/get_list open a hash or list
# read key by key, the others read a value whole.
_ACCESSORS = {"get_str", "get_int", "get_bool", "get_dict", "get_list", "range_filter"}
_OPENERS = {"get_dict", "get_list"}
# Calls that look at a value without reading what is inside it.
_NEUTRAL = {"isinstance", "len", "bool", "enumerate", "get_metadata"}
_EVERY = "*"  # a key read through a loop over the hash's own keys


def handler_reads(handler: Callable[..., Any]) -> frozenset[str]:
    """Top-level parameter names `handler(ctx, params, ...)` reads."""
    return frozenset(handler_tree(handler))


def handler_tree(handler: Callable[..., Any]) -> Tree:
    """What `handler(ctx, params, ...)` reads (a handler looking at the set of names it got reads none whole)."""
    names = list(inspect.signature(handler).parameters)
    tree = _tree(handler, names[1])[0] if len(names) > 1 else {}
    return _drop_unresolved(tree) or {}


def _drop_unresolved(tree: Tree | None) -> Tree | None:
    if tree is None:
        return None
    return {k: _drop_unresolved(v) for k, v in tree.items() if not k.startswith("$")}


def _add(tree: Tree, path: Path, whole: bool) -> None:
    node: Tree | None = tree
    for i, part in enumerate(path):
        if node is None:
            return
        last = i == len(path) - 1
        if last and whole:
            node[part] = None
            return
        if part not in node:
            node[part] = {}
        node = node[part]


def _graft(tree: Tree, path: Path, sub: Tree | None) -> None:
    """Merges a helper's reads (relative to the value passed to it) in at `path`."""
    if sub is None:
        _add(tree, path, whole=True)
        return
    _add(tree, path, whole=False)
    for name, child in sub.items():
        node = _node(tree, path)
        if node is None:
            return
        if child is None:
            node[name] = None
        else:
            node.setdefault(name, {})
            if node[name] is not None:
                _graft(tree, path + (name,), child)


def _node(tree: Tree, path: Path) -> Tree | None:
    node: Tree | None = tree
    for part in path:
        if node is None:
            return None
        node = node.get(part)
    return node


def _substitute(sub: Tree | None, passed: dict[str, set[str]]) -> Tree | None:
    """`$name` keys (a helper reading the parameter its argument `name` names) become the caller's constants."""
    if sub is None:
        return None
    out: Tree = {}
    for key, child in sub.items():
        names = passed.get(key[1:], {key}) if key.startswith("$") else {key}
        for name in names:
            out[name] = _substitute(child, passed)
    return out


@cache
def _tree(fn: Callable[..., Any], arg: str) -> tuple[Tree, bool]:
    """The reads of `fn` below its argument `arg`, and whether it reads that argument whole."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return {}, False
    analysis = _Analysis(fn, arg, tree)
    return analysis.run(), analysis.whole


class _Analysis:
    def __init__(self, fn: Callable[..., Any], arg: str, tree: ast.AST) -> None:
        self.fn = fn
        self.scope = getattr(fn, "__globals__", {})
        self.tree = tree
        self.loops = _loops(tree)
        self.env: dict[str, set[Path]] = {arg: {()}}
        self.out: Tree = {}
        self.whole = False  # the argument itself is read whole
        # get_dict/get_list calls whose value is then read key by key (bound, iterated, passed on); any other one
        # is taken whole (e.g. `"images": get_list(spec, "images")`).
        self.consumed: set[int] = set()
        self.key_loops: set[str] = set()  # `for name in data`: `get_str(data, name)` then reads every key

    def read(self, path: Path, whole: bool) -> None:
        if path and path[-1] == _EVERY:
            path, whole = path[:-1], True
        if not path:
            self.whole = self.whole or whole
        else:
            _add(self.out, path, whole)

    def run(self) -> Tree:
        self._bind()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Subscript):
                for path in self.paths(node):
                    self.read(path, False)
            elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
                for comparator in node.comparators:
                    for base in self.paths(comparator):
                        for key in self.keys(node.left):
                            self.read(base + (key,), False)
        return self.out

    def _bind(self) -> None:
        """Variables standing for a parameter's value (`data = get_dict(params, "x")`, `for spec in items`)."""
        for _ in range(4):  # aliases of aliases
            before = {k: set(v) for k, v in self.env.items()}
            for node in ast.walk(self.tree):
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Name):
                            self.consumed.add(id(node.value))
                            self.env.setdefault(target.id, set()).update(self.paths(node.value))
                elif isinstance(node, (ast.For, ast.comprehension)):
                    self._bind_loop(node.target, node.iter)
            if before == self.env:
                return

    def _bind_loop(self, target: ast.expr, iterable: ast.expr) -> None:
        self.consumed.add(id(iterable))
        if isinstance(iterable, ast.Call) and _name(iterable.func) == "enumerate" and iterable.args:
            self.consumed.add(id(iterable.args[0]))
        if isinstance(target, ast.Name):
            paths = self.paths(iterable)
            if paths:
                self.key_loops.add(target.id)
            self.env.setdefault(target.id, set()).update(paths)
        elif (isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name)
              and isinstance(iterable, ast.Call) and _name(iterable.func) == "enumerate" and iterable.args):
            self.env.setdefault(target.elts[1].id, set()).update(self.paths(iterable.args[0]))

    def paths(self, node: ast.expr) -> set[Path]:
        """The parameter paths an expression's value is (list items share their list's path)."""
        if isinstance(node, ast.Name):
            return set(self.env.get(node.id, set()))
        if isinstance(node, ast.Subscript):
            bases = self.paths(node.value)
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
                return bases
            return {b + (k,) for b in bases for k in self.keys(node.slice)}
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in _OPENERS and len(node.args) > 1:
                return {b + (k,) for b in self.paths(node.args[0]) for k in self.keys(node.args[1])}
            if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
                return {b + (k,) for b in self.paths(node.func.value) for k in self.keys(node.args[0])}
            return set()
        if isinstance(node, ast.BoolOp):
            return set().union(*(self.paths(v) for v in node.values))
        if isinstance(node, ast.IfExp):
            return self.paths(node.body) | self.paths(node.orelse)
        return set()

    def keys(self, node: ast.expr) -> set[str]:
        """The parameter names an expression stands for: a string constant, a loop variable over constants, or a
        helper's own argument naming it (`_url(params, name)`), read as `$name` for the caller to resolve."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name):
            if node.id in self.key_loops:
                return {_EVERY}
            return self.loops.get(node.id) or {f"${node.id}"}
        return set()

    def _call(self, node: ast.Call) -> None:
        func = node.func
        name = _name(func)
        if name in _ACCESSORS and node.args:
            self.consumed.add(id(node.args[0]))
            if len(node.args) > 1:
                whole = name not in _OPENERS or id(node) not in self.consumed
                for base in self.paths(node.args[0]):
                    for key in self.keys(node.args[1]):
                        self.read(base + (key,), whole)
            return
        if name == "get_metadata" and node.args:
            given = [k.value for k in node.keywords if k.arg == "name"] + node.args[2:3]
            keys = self.keys(given[0]) if given else {"metadata"}
            for base in self.paths(node.args[0]):
                for key in keys:
                    self.read(base + (key,), True)
            return
        if isinstance(func, ast.Attribute) and func.attr in ("get", "items", "values"):
            self.consumed.add(id(func.value))
            if func.attr == "get":
                for path in self.paths(node):
                    self.read(path, False)
            else:
                for path in self.paths(func.value):
                    self.read(path, True)  # walks every key itself
            return
        passed = [(i, a) for i, a in enumerate(node.args) if self.paths(a)]
        named = [k for k in node.keywords if k.arg and self.paths(k.value)]
        if not passed and not named:
            return
        target = _resolve(func, self.scope)
        if target is self.fn:
            return
        if target is None:
            if name not in _NEUTRAL:
                for arg in [a for _, a in passed] + [k.value for k in named]:
                    for path in self.paths(arg):
                        if path:  # a handler's own `set(params)` looks at names, it reads no value whole
                            self.read(path, True)  # handed to code that is not followed
            return
        params = list(inspect.signature(target).parameters)
        constants = {params[i]: self.keys(a) for i, a in enumerate(node.args) if i < len(params)}
        constants |= {k.arg: self.keys(k.value) for k in node.keywords if k.arg}
        for param, arg in [(params[i], a) for i, a in passed if i < len(params)] + [(k.arg, k.value) for k in named]:
            self.consumed.add(id(arg))
            sub, whole = _tree(target, param)
            sub = _substitute(sub, constants)
            for path in self.paths(arg):
                if whole:
                    self.read(path, True)
                elif path:
                    _graft(self.out, path, sub)
                else:
                    for key, child in (sub or {}).items():
                        _graft(self.out, (key,), child)


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


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


def _loops(tree: ast.AST) -> dict[str, set[str]]:
    """Loop variables over constant tuples (`for name in ("a", "b")`, comprehensions too)."""
    loops: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if (isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name)
                and isinstance(node.iter, (ast.Tuple, ast.List))):
            loops.setdefault(node.target.id, set()).update(
                e.value for e in node.iter.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return loops
