"""`@paykit/client` as a developer gets it: it type-checks against the generated types, and `npm pack` in its folder
builds an installable package of ES modules with declarations and no dependency beyond those named."""
from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

from tests.e2e.sdk.conftest import TYPESCRIPT


def npx_or_npm(tool: str, *args: str, cwd: Path = TYPESCRIPT) -> subprocess.CompletedProcess:
    binary = shutil.which(tool)
    assert binary and (TYPESCRIPT / "node_modules").is_dir(), "Node.js and `make sdk-deps` are required"
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_helpers_and_tests_type_check_against_the_generated_types():
    done = npx_or_npm("npx", "tsc", "-p", "tsconfig.json", "--noEmit")
    assert done.returncode == 0, done.stdout + done.stderr


def test_npm_pack_builds_an_installable_package(tmp_path: Path):
    done = npx_or_npm("npm", "pack", "--pack-destination", str(tmp_path), "--json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (packed,) = json.loads(done.stdout[done.stdout.index("["):])
    with tarfile.open(tmp_path / packed["filename"]) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
    for entry in ("index", "react"):
        assert {f"package/dist/{entry}.js", f"package/dist/{entry}.d.ts"} <= names, sorted(names)
    assert not any("/test/" in name or "node_modules" in name for name in names), sorted(names)
    assert set(manifest["dependencies"]) == {"openapi-fetch", "standardwebhooks"}
    assert set(manifest["peerDependencies"]) == {"react", "@tanstack/react-query"}
    # And the built entries load in plain Node by the package's own name (its exports map)
    script = ("const core = await import('@paykit/client'); const hooks = await import('@paykit/client/react');"
              "console.log(JSON.stringify([typeof core.createPayKitClient, typeof core.verifyEvent,"
              " typeof hooks.useEntitlement, typeof hooks.useCheckout, typeof hooks.PayKitProvider]))")
    loaded = npx_or_npm("node", "--input-type=module", "-e", script)
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == ["function"] * 5
