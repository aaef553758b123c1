"""Deployment size: the built layer and each function, unzipped and zipped, against Lambda's package limits.

`python -m bench.build_size` runs `make build` (`sam build`, no container) and measures .aws-sam/build;
`--build-dir DIR` measures an existing build instead. Lambda's limits (AWS docs, "Lambda quotas"): 250 MB unzipped
for a function and all its layers together, 50 MB for a zipped package uploaded directly. Sizes only, no timing.
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from bench.common import table, write_results
from local.template import functions

ROOT = Path(__file__).resolve().parent.parent
LAYER_ID = "PayKitLayer"
# Lambda counts bytes: 250 MB is 262,144,000 and 50 MB is 52,428,800 (MiB-based in the error messages).
UNZIPPED_LIMIT = 250 * 1024 * 1024
ZIPPED_LIMIT = 50 * 1024 * 1024
KB = 1024
MB = 1024 * KB


def unzipped_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def zipped_bytes(folder: Path) -> int:
    """The size of the deflated zip SAM would upload (the same compression `sam deploy` uses)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.write(path, path.relative_to(folder))
    return buffer.tell()


def artifact_sizes(build_dir: Path) -> dict[str, dict[str, float]]:
    """Per artifact (the layer, then each function with the layer it runs with): bytes and ratios to the limits."""
    layer = {"unzipped": unzipped_bytes(build_dir / LAYER_ID), "zipped": zipped_bytes(build_dir / LAYER_ID)}
    sizes = {LAYER_ID: {**layer, "with_layer": layer["unzipped"]}}
    for spec in functions().values():
        folder = build_dir / spec.logical_id
        own = unzipped_bytes(folder)
        sizes[spec.logical_id] = {"unzipped": own, "zipped": zipped_bytes(folder),
                                  "with_layer": own + layer["unzipped"]}
    for size in sizes.values():
        size["unzipped_ratio"] = size["with_layer"] / UNZIPPED_LIMIT
        size["zipped_ratio"] = size["zipped"] / ZIPPED_LIMIT
    return sizes


def build() -> Path:
    subprocess.run(["make", "build"], cwd=ROOT, check=True, env={**os.environ, "SAM_CLI_TELEMETRY": "0"})
    return ROOT / ".aws-sam" / "build"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build-dir", type=Path, help="an existing `sam build` output (default: run make build)")
    args = parser.parse_args(argv)
    sizes = artifact_sizes(args.build_dir or build())
    rows = [[name, f"{size['unzipped'] / KB:,.0f}", f"{size['zipped'] / KB:,.0f}", f"{size['with_layer'] / MB:.1f}",
             f"{size['unzipped_ratio']:.1%}", f"{size['zipped_ratio']:.1%}"] for name, size in sizes.items()]
    print("Build size (KB = KiB, MB = MiB); limits: function + layers unzipped 250 MB, zipped direct upload 50 MB")
    print(table(["artifact", "unzipped KB", "zipped KB", "with layer MB", "of 250 MB", "zip of 50 MB"], rows))
    write_results("build_size", sizes)
    return sizes


if __name__ == "__main__":
    main(sys.argv[1:])
