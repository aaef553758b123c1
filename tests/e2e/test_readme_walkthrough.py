"""The README's walkthrough is a test: its ```sh blocks run against the local stack and answer what it shows.

Convention (stated in the README section too): only ```sh blocks of "## Walkthrough" run, in order, in one bash (so
variables and functions carry over, as in the reader's terminal); a ```json or ```text block right after one is its
expected output. `"..."` matches any value, `...` inside a string any substring, and a `"...": "..."` entry lets the
object hold more fields than shown. `localhost:3000` / `:12111` are rewritten to the stack's free ports.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ROOT, RunningStack

README = ROOT / "README.md"
END_OF_BLOCK = "@@walkthrough-block-end@@"
ANY = "..."
DEFAULT_PORTS = {"gateway": "3000", "emulator": "12111"}


@dataclass(frozen=True)
class Step:
    script: str
    expected_kind: str | None  # "json", "text" or None (output not shown in the README)
    expected: str


def walkthrough_steps(markdown: str) -> list[Step]:
    section = markdown.split("\n## Walkthrough\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", section, flags=re.DOTALL | re.MULTILINE)
    steps = []
    for index, (kind, body) in enumerate(blocks):
        if kind != "sh":
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else ("", "")
        shown = following[0] in ("json", "text")
        steps.append(Step(body, following[0] if shown else None, following[1] if shown else ""))
    return steps


def mismatches(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Where `actual` differs from the README's `expected` under the placeholder convention."""
    if expected == ANY:
        return []
    if isinstance(expected, str) and ANY in expected:
        pattern = ".*".join(re.escape(part) for part in expected.split(ANY))
        ok = isinstance(actual, str) and re.fullmatch(pattern, actual, flags=re.DOTALL)
        return [] if ok else [f"{path}: {actual!r} does not match {expected!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        shown = {key for key in expected if key != ANY}
        missing, extra = shown - set(actual), (set(actual) - shown if ANY not in expected else set())
        found = [f"{path}: missing {sorted(missing)}"] * bool(missing) + [f"{path}: not shown {sorted(extra)}"] * bool(
            extra)
        return found + [problem for key in shown & set(actual)
                        for problem in mismatches(expected[key], actual[key], f"{path}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        return [problem for i, (item, got) in enumerate(zip(expected, actual))
                for problem in mismatches(item, got, f"{path}[{i}]")]
    same = type(expected) is type(actual) and expected == actual
    return [] if same else [f"{path}: expected {expected!r}, got {actual!r}"]


# curl's options the README uses, over requests: only where the machine has no curl (nothing to install by hand).
CURL_SHIM = """#!{python}
import base64, sys, requests
args, method, headers, data, auth = sys.argv[1:], None, {{}}, [], None
url, i = None, 0
while i < len(args):
    arg = args[i]
    if arg == "-s":
        i += 1
        continue
    if arg in ("-X", "-H", "-d", "-u"):
        value = args[i + 1]
        if arg == "-X": method = value
        elif arg == "-H": headers.__setitem__(*[part.strip() for part in value.split(":", 1)])
        elif arg == "-d": data.append(value)
        else: auth = tuple(value.split(":", 1))
        i += 2
        continue
    url, i = arg, i + 1
if data:
    headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
response = requests.request(method or ("POST" if data else "GET"), url if "://" in url else "http://" + url,
                            headers=headers, data="&".join(data).encode() if data else None, auth=auth, timeout=30)
sys.stdout.write(response.text)
"""


def shell_path(tmp_path: Path) -> str:
    """PATH for the walkthrough: this interpreter as python3, and a curl (the real one, else the shim)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    if shutil.which("curl") is None:
        shim = bin_dir / "curl"
        shim.write_text(CURL_SHIM.format(python=sys.executable))
        shim.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def localize(text: str, stack: RunningStack) -> str:
    for name, url in (("gateway", stack.url), ("emulator", stack.emulator_url)):
        for host in ("localhost", "127.0.0.1"):
            text = text.replace(f"{host}:{DEFAULT_PORTS[name]}", urlsplit(url).netloc)
    return text


STEPS = walkthrough_steps(README.read_text(encoding="utf-8"))


def test_the_walkthrough_is_a_newcomers_whole_path():
    # Given the README's walkthrough
    scripts = "\n".join(step.script for step in STEPS)

    # Then it gets a token, creates a project, sets its keys, lists subscriptions, checks out, pays and reads stats,
    # and shows what most of its steps answer
    for route in ("/_local/token", "/api/v1/projects/", "/config", "/api/v1/payments/subscriptions",
                  "/checkout-session", "/_emulator/checkout/", "/api/v1/payments/stats"):
        assert route in scripts, route
    assert sum(step.expected_kind is not None for step in STEPS) >= 6


def test_the_readme_walkthrough_answers_what_it_shows(local_stack: RunningStack, tmp_path: Path):
    # Given the walkthrough's commands, pointed at the running local stack, in one bash as a reader pastes them
    script = "set -o pipefail\n" + "".join(
        f"{localize(step.script, local_stack)}\nprintf '\\n{END_OF_BLOCK}\\n'\n" for step in STEPS)
    env = {key: value for key, value in os.environ.items() if not key.endswith("_TOKEN")}

    # When they run
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={**env, "PATH": shell_path(tmp_path)},
                            capture_output=True, text=True, timeout=120)

    # Then every step prints the response the README shows after it
    outputs = result.stdout.split(f"\n{END_OF_BLOCK}\n")
    assert len(outputs) == len(STEPS) + 1, (result.stdout, result.stderr)
    for number, (step, output) in enumerate(zip(STEPS, outputs), start=1):
        where = f"walkthrough step {number}:\n{step.script}\noutput: {output}\nstderr: {result.stderr}"
        expected = localize(step.expected, local_stack)
        if step.expected_kind == "json":
            try:
                actual = json.loads(output)
            except json.JSONDecodeError:
                pytest.fail(f"not JSON: {where}")
            assert mismatches(json.loads(expected), actual) == [], where
        elif step.expected_kind == "text":
            assert mismatches(expected.strip(), output.strip()) == [], where
