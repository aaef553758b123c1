"""The SDKs' cost to an app: bundle sizes (minified, gzipped) of the TypeScript client and its React entry against
the same calls written by hand as the devkit4ai starter kit's actions.ts does, and paykit-client's import time.

`python -m bench.sdk [--runs 9]`: needs `make sdk-deps` (esbuild comes with the TypeScript SDK's dev packages).
Bundles are made with esbuild (`--bundle --minify`, ES modules for browsers) from small entry files; gzip is level 9.
Import time is the wall time of fresh `python -c "import X"` processes, median of --runs.
"""
from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import table, write_results

ROOT = Path(__file__).resolve().parents[2]
TYPESCRIPT = ROOT / "sdk" / "typescript"
ESBUILD = TYPESCRIPT / "node_modules" / ".bin" / "esbuild"
HANDWRITTEN = Path(__file__).resolve().parent / "handwritten_actions.ts"
REACT = ["react", "react-dom", "react/jsx-runtime"]
REACT_QUERY = ["@tanstack/react-query"]

HOOKS = ('export { PayKitProvider, useCheckout, useCheckoutSession, useEntitlement, usePayments, useSubscription, '
         'useUsage } from "./src/react.tsx";')
# (name, entry source, packages the app already has and the bundle leaves out)
BUNDLES = [
    ("hand-written actions (starter kit style)", f'export * from "{HANDWRITTEN}";', []),
    ("@paykit/client: client and helpers", 'export { createPayKitClient, PayKitError } from "./src/index.ts";', []),
    ("@paykit/client: everything, verifyEvent included", 'export * from "./src/index.ts";', []),
    ("@paykit/client/react: provider and hooks (app has React, React Query)", HOOKS, REACT + REACT_QUERY),
    ("@paykit/client/react: provider and hooks, React Query bundled", HOOKS, REACT),
]
IMPORTS = [("python (no import)", "pass"), ("import httpx (the generated client's HTTP)", "import httpx"),
           ("import requests", "import requests"), ("import paykit_client", "import paykit_client")]


def bundle(entry: str, external: list[str]) -> bytes:
    assert ESBUILD.exists(), "run `make sdk-deps` first (esbuild is a dev package of sdk/typescript)"
    done = subprocess.run([str(ESBUILD), "--bundle", "--minify", "--format=esm", "--platform=browser",
                           "--target=es2022", "--loader=tsx", "--sourcefile=entry.tsx",
                           "--log-level=error", *(f"--external:{name}" for name in external)],
                          input=entry.encode(), capture_output=True, check=True, cwd=TYPESCRIPT)
    return done.stdout


def bundle_sizes() -> list[dict]:
    sizes = []
    for name, entry, external in BUNDLES:
        code = bundle(entry, external)
        sizes.append({"bundle": name, "minified": len(code), "gzipped": len(gzip.compress(code, compresslevel=9))})
    floor = sizes[0]["gzipped"]
    for size in sizes:
        size["ratio"] = size["gzipped"] / floor
    return sizes


def import_times(runs: int) -> list[dict]:
    times = []
    for name, statement in IMPORTS:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", statement], check=True)
            samples.append((time.perf_counter() - started) * 1000)
        times.append({"import": name, "ms": statistics.median(samples)})
    bare, httpx = times[0]["ms"], times[1]["ms"]
    for entry in times:
        entry["ratio_to_httpx"] = entry["ms"] / httpx
        entry["own_ms"] = entry["ms"] - bare
    return times


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    sizes = bundle_sizes()
    print("SDK bundle sizes (esbuild --minify, gzip -9), against the hand-written actions")
    print(table(["bundle", "minified B", "min+gzip B", "x hand-written"],
                [[s["bundle"], f"{s['minified']:,}", f"{s['gzipped']:,}", f"{s['ratio']:.2f}"] for s in sizes]))
    times = import_times(args.runs)
    print()
    print(f"Python import time (fresh process, median of {args.runs})")
    print(table(["import", "ms", "ms beyond python", "x import httpx"],
                [[t["import"], f"{t['ms']:.0f}", f"{t['own_ms']:.0f}", f"{t['ratio_to_httpx']:.2f}"] for t in times]))
    results = {"bundles": sizes, "imports": times}
    write_results("sdk", results)
    return results
