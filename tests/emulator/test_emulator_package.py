"""The emulator as a package of its own: no import circle between its modules, nothing imported from PayKit, every
module short (or saying at its top why not), and its tiers (engine, resources, surface, conformance) importing only
downwards."""

from __future__ import annotations

import ast
from pathlib import Path

import stripe_emulator

from tests.unit.test_layer_structure import circles

ROOT = Path(stripe_emulator.__file__).parent
PACKAGE = "stripe_emulator"
# PayKit's own top-level packages: the emulator must run without any of them.
PAYKIT = ("paykit", "local", "tests", "bench", "functions", "scripts")
MAX_LINES = 400
# A tier may import its own and the ones after it (the conformance tools drive the whole emulator, the surface
# builds on resources, resources on the engine).
TIERS = ("conformance", "surface", "resources", "engine")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """The package's modules `name` imports (anywhere in it: top level, functions, `if TYPE_CHECKING:`), and the
    top-level names of everything else it imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    inside.add(alias.name)
                else:
                    outside.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != PACKAGE:
                outside.add(target.split(".")[0])
                continue
            # `from .x import y`: y is a module when the package has one of that name, else a name in x.
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                inside.add(sub if sub in known else target)
    return inside - {name}, outside


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()
    known = set(modules)
    graph, external = {}, {}
    for name, path in modules.items():
        inside, outside = _imports(name, path, known)
        # importing a submodule runs its packages' `__init__` first: an edge to each of them
        graph[name] = {parent for module in inside for parent in _parents(module) if parent in known} | (inside & known)
        external[name] = outside
    return graph, external


def _parents(module: str) -> list[str]:
    """The packages between the top one and `module` (the top package is the entry point everything is reached
    from: its `__init__` importing the server is not a circle)."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


def _tier(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in TIERS else None


def test_no_import_circle():
    graph, _ = _graph()
    assert len(graph) > 40  # every module was read
    assert circles(graph) == []  # the layer's own circle finder (Tarjan), itself tested there


def test_imports_nothing_of_paykit():
    _, external = _graph()
    offenders = {name: sorted(mods & set(PAYKIT)) for name, mods in external.items() if mods & set(PAYKIT)}
    assert offenders == {}
    # what it does import: the standard library, the SDK and Werkzeug (its declared dependencies)
    third_party = set().union(*external.values()) - {"__future__"}
    assert {"stripe", "werkzeug"} <= third_party


def test_tiers_import_only_downwards():
    graph, _ = _graph()
    upward = [(name, target) for name, targets in graph.items() for target in targets
              if _tier(name) and _tier(target) and TIERS.index(_tier(target)) < TIERS.index(_tier(name))]
    assert upward == []


def test_modules_are_short_or_say_why():
    long = []
    for name, path in _modules().items():
        source = path.read_text()
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if source.count("\n") > MAX_LINES and "long because" not in docstring:
            long.append(f"{name}: {source.count(chr(10))} lines")
    assert long == []
