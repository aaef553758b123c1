"""Every `python -m bench...` line of the README runs as written: the project's venv, no PYTHONPATH, any directory."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"  # what `make install` (and every make target) prepares
pytestmark = pytest.mark.skipif(not VENV_PYTHON.exists(), reason="the project's venv is made by `make install`")


def readme_modules() -> list[str]:
    found = re.findall(r"python -m (bench(?:\.\w+)?)\b", (ROOT / "README.md").read_text())
    return sorted(set(found))


def as_a_new_user(*args: str, cwd: Path, tmp_path: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """The venv's Python with nothing of this test run's environment that would make imports work by chance."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("AWS_")}
    env["BENCH_RESULTS_DIR"] = str(tmp_path)  # a developer's last figures in bench/results stay as they were
    return subprocess.run([str(VENV_PYTHON), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_readme_shows_the_benchmarks() -> None:
    modules = readme_modules()
    assert {"bench", "bench.webhooks", "bench.load", "bench.lists", "bench.fidelity"} <= set(modules), modules
    names = [m.split(".")[-1] for m in modules if m != "bench"]
    assert all((ROOT / "bench" / f"{n}.py").exists() or (ROOT / "bench" / n / "__main__.py").exists()
               for n in names), modules


@pytest.mark.parametrize("module", readme_modules())
def test_each_readme_benchmark_starts_from_the_repository_root(module: str, tmp_path: Path) -> None:
    done = as_a_new_user("-m", module, "--help", cwd=ROOT, tmp_path=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("usage:"), done.stdout[:500]


@pytest.mark.parametrize("args, expected", [
    (["bench.webhooks", "--events", "20"], "lost 0; double-applied 0"),
    (["bench.lists", "--sizes", "200"], "E4 stats"),  # seeds with the processor's own record builders
], ids=["webhooks", "lists"])
def test_benchmarks_run_at_a_minimal_size_from_anywhere(args: list[str], expected: str, tmp_path: Path) -> None:
    """Past argument parsing: PayKit's layer, the local stack and the benchmark's own imports all resolve."""
    done = as_a_new_user("-m", *args, cwd=tmp_path, tmp_path=tmp_path, timeout=300)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    assert expected in done.stdout, done.stdout[-2000:]
    assert list(tmp_path.glob("*.json")), "the benchmark wrote its results where it was told"
