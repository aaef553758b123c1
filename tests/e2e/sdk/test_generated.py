"""The clients are generated from docs/openapi.json (`make sdk`): a checked-in client older than the document fails
here, and a change to a route's schema is seen as one."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.sdk.conftest import ROOT, TYPESCRIPT

OPENAPI = ROOT / "docs" / "openapi.json"
PYTHON_SDK = ROOT / "sdk" / "python"
GENERATOR = ROOT / ".venv-sdkgen" / "bin"


def typescript_types(document: Path, out: Path) -> str:
    """What `npm run generate` writes for `document` (the same command, pointed elsewhere)."""
    script = shlex.split(json.loads((TYPESCRIPT / "package.json").read_text())["scripts"]["generate"])
    assert script[:2] == ["openapi-typescript", "../../docs/openapi.json"] and script[-2:] == ["--output",
                                                                                            "src/schema.ts"], script
    npx = shutil.which("npx")
    assert npx and (TYPESCRIPT / "node_modules").is_dir(), "Node.js and `make sdk-deps` are required"
    done = subprocess.run([npx, script[0], str(document), *script[2:-2], "--output", str(out)], cwd=TYPESCRIPT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text()


def changed_document(tmp_path: Path) -> Path:
    """docs/openapi.json with one more field in `check`'s answer, as a route change would make it."""
    document = json.loads(OPENAPI.read_text())
    document["components"]["schemas"]["CheckOut"]["properties"]["grace_until"] = {"type": "string"}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document, indent=2))
    return path


def test_the_typescript_types_are_current(tmp_path: Path):
    generated = typescript_types(OPENAPI, tmp_path / "schema.ts")
    assert generated == (TYPESCRIPT / "src" / "schema.ts").read_text(), \
        "sdk/typescript is stale against docs/openapi.json: run `make sdk`"


def test_a_schema_change_makes_the_typescript_types_stale(tmp_path: Path):
    generated = typescript_types(changed_document(tmp_path), tmp_path / "schema.ts")
    assert "grace_until?: string;" in generated
    assert generated != (TYPESCRIPT / "src" / "schema.ts").read_text()


def python_client(document: Path, out: Path) -> dict[str, str]:
    """What `make sdk` writes into sdk/python/paykit_client/generated for `document`, file by file."""
    assert (GENERATOR / "openapi-python-client").exists(), "run `make sdk-deps` (the generator's own venv)"
    done = subprocess.run([str(GENERATOR / "openapi-python-client"), "generate", "--path", str(document), "--meta",
                           "none", "--config", str(PYTHON_SDK / "generator.yaml"), "--output-path", str(out),
                           "--overwrite"], env={**os.environ, "PATH": f"{GENERATOR}{os.pathsep}{os.environ['PATH']}"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return files_of(out)


def files_of(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): path.read_text() for path in sorted(folder.rglob("*.py"))}


def test_the_python_client_is_current(tmp_path: Path):
    generated = python_client(OPENAPI, tmp_path / "generated")
    assert generated == files_of(PYTHON_SDK / "paykit_client" / "generated"), \
        "sdk/python is stale against docs/openapi.json: run `make sdk`"


def test_a_schema_change_makes_the_python_client_stale(tmp_path: Path):
    generated = python_client(changed_document(tmp_path), tmp_path / "generated")
    assert "grace_until" in generated["models/check_out.py"]
    assert generated != files_of(PYTHON_SDK / "paykit_client" / "generated")
