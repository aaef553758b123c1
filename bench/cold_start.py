"""Cold start: import time of each function module against the floor, in a venv with only the runtime deps.

The venv (.venv-bench-runtime) holds the layer's requirements plus boto3, as Lambda's python3.12 runtime does.
Each figure is the median of N fresh interpreter processes; the floor is a boto3 DynamoDB client plus Powertools'
APIGatewayHttpResolver(enable_validation=True), measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import table, write_results

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-bench-runtime"
LAYER = ROOT / "layers" / "paykit"

FLOOR = """
import boto3
boto3.client("dynamodb")
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
APIGatewayHttpResolver(enable_validation=True)
"""

FUNCTION = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
"""

TIMED = """
import time
_start = time.perf_counter()
{body}
print(time.perf_counter() - _start)
"""


def ensure_runtime_venv() -> Path:
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    requirements = LAYER / "requirements.txt"
    if not stamp.exists() or stamp.stat().st_mtime < requirements.stat().st_mtime:
        base = subprocess.run(["bash", "-c", "PYENV_VERSION=3.12.1 python3.12 -c 'import sys;print(sys.executable)'"
                               " 2>/dev/null || command -v python3.12"], capture_output=True, text=True).stdout.strip()
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        boto = next(line for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
                    if line.startswith("boto3=="))
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements), boto], check=True)
        stamp.touch()
    return python


def measure(python: Path, body: str, runs: int) -> float:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(LAYER),
        "PYTHONDONTWRITEBYTECODE": "0",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "TABLE_NAME": "paykit",
        "POWERTOOLS_SERVICE_NAME": "paykit",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    # One unmeasured run writes the bytecode caches, as a deployed package ships them.
    subprocess.run([str(python), "-c", body], env=env, check=True, capture_output=True)
    samples = []
    for _ in range(runs):
        out = subprocess.run([str(python), "-c", TIMED.format(body=body)], env=env, check=True,
                             capture_output=True, text=True)
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--functions", default="", help="comma-separated function names (default: all)")
    args = parser.parse_args(argv)
    only = {name for name in args.functions.split(",") if name}
    python = ensure_runtime_venv()
    floor = measure(python, FLOOR, args.runs)
    rows, results = [], {"runs": args.runs, "floor_ms": round(floor * 1000, 1), "functions": {}}
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        if only and app.parent.name not in only:
            continue
        seconds = measure(python, FUNCTION.format(path=str(app)), args.runs)
        ratio = seconds / floor
        results["functions"][app.parent.name] = {"ms": round(seconds * 1000, 1), "ratio": round(ratio, 2)}
        rows.append([app.parent.name, f"{seconds * 1000:.0f}", f"{ratio:.2f}", "ok" if ratio <= 1.3 else "OVER"])
    print(f"Cold start (median of {args.runs} fresh processes); floor = boto3 DynamoDB client + "
          f"APIGatewayHttpResolver(enable_validation=True) = {floor * 1000:.0f} ms")
    print(table(["function", "import ms", "x floor", "goal <= 1.3"], rows))
    write_results("cold_start", results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
