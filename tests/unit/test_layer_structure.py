"""The layer's structure holds: no import circle (module-level or inside functions), the processor never reaches up
into services, services never speak botocore (the store and paykit.aws translate it), and no module grows past
~400 lines without saying why at its top."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "layers" / "paykit"
LONG = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / "paykit").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """Every PayKit module a file imports, wherever the import statement stands."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        out |= {name for name in names if name in known}
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    # A package's face (__init__) re-exports its modules; an import of the package is an import of its face only.
    return {name: imports(path, set(found)) - {name} for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


def test_the_layer_has_no_import_circle():
    # A package's face importing its own submodules is how Python packages work, not a circle of the design.
    edges = {name: {t for t in targets if not t.startswith(name + ".")} for name, targets in graph().items()}
    assert circles(edges) == []


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_processor_never_imports_services():
    upward = {(name, target) for name, targets in graph().items() if name.startswith("paykit.processor")
              for target in targets if target.startswith("paykit.services") or target == "paykit.api"}
    assert upward == set()


@pytest.mark.parametrize("package", ["paykit.services", "paykit.processor"])
def test_services_and_the_processor_never_speak_botocore(package):
    speaking = [name for name, path in modules().items() if name.startswith(package)
                and any(isinstance(node, (ast.Import, ast.ImportFrom)) and "botocore" in ast.unparse(node)
                        for node in ast.walk(ast.parse(path.read_text())))]
    assert speaking == []


def test_no_module_is_long_without_a_reason_at_its_top():
    long_ones = [name for name, path in modules().items()
                 if len(path.read_text().splitlines()) > LONG
                 and "long because" not in (ast.get_docstring(ast.parse(path.read_text())) or "")]
    assert long_ones == []
