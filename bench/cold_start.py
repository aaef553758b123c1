"""Cold start: import time of each function module against the floor, in a venv with only the runtime deps.

The venv (.venv-bench-runtime) holds the layer's requirements plus boto3, as Lambda's python3.12 runtime does.
Each figure is the median of N fresh interpreter processes; the floor is a boto3 DynamoDB client plus Powertools'
APIGatewayHttpResolver(enable_validation=True), measured in the same run.

`--asgi` adds the design's question about mangum: one equivalent route (a validated UUID path parameter, a JSON
answer), served once from an API Gateway v2 event, by Powertools' resolver and by a minimal FastAPI app behind
Mangum, each against the same floor. fastapi and mangum come from requirements-dev.txt's pins, installed into the
runtime venv for this comparison only (never the layer).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
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

# One route both ways, and one invocation of it: what a cold request pays for beyond the imports.
ROUTE_EVENT = """
event = {"version": "2.0", "routeKey": "$default", "rawPath": "/items/4b0c7d7e-8f1a-4c2b-9d3e-5f6a7b8c9d0e",
         "rawQueryString": "", "headers": {"host": "bench"}, "isBase64Encoded": False,
         "requestContext": {"http": {"method": "GET", "path": "/items/4b0c7d7e-8f1a-4c2b-9d3e-5f6a7b8c9d0e",
                                     "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
                            "requestId": "bench", "routeKey": "$default", "stage": "$default",
                            "accountId": "1", "apiId": "bench", "domainName": "bench", "domainPrefix": "bench",
                            "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0}}
class Context:
    function_name, memory_limit_in_mb, aws_request_id = "bench", 512, "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:1:function:bench"
"""

POWERTOOLS_ROUTE = FLOOR + ROUTE_EVENT + """
import uuid
app = APIGatewayHttpResolver(enable_validation=True)
@app.get("/items/<item_id>")
def get_item(item_id: uuid.UUID) -> dict:
    return {"id": str(item_id)}
assert app.resolve(event, Context())["statusCode"] == 200
"""

MANGUM_ROUTE = """
import boto3
boto3.client("dynamodb")
""" + ROUTE_EVENT + """
import uuid
from fastapi import FastAPI
from mangum import Mangum
api = FastAPI()
@api.get("/items/{item_id}")
def get_item(item_id: uuid.UUID) -> dict:
    return {"id": str(item_id)}
handler = Mangum(api, lifespan="off")
assert handler(event, Context())["statusCode"] == 200
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


def ensure_asgi(python: Path) -> None:
    """fastapi and mangum at requirements-dev.txt's pins, in the runtime venv only for --asgi."""
    if subprocess.run([str(python), "-c", "import fastapi, mangum"], capture_output=True).returncode == 0:
        return
    pins = [line for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
            if line.startswith(("fastapi==", "mangum=="))]
    subprocess.run([str(python), "-m", "pip", "install", "-q", *pins], check=True)


def measure(python: Path, body: str, runs: int, layer: Path = LAYER) -> float:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(layer),
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
    parser.add_argument("--against", metavar="GIT_REF",
                        help="also measure each function as of this commit (layer and functions), in the same run")
    parser.add_argument("--asgi", action="store_true",
                        help="only the comparison: one route by Powertools' resolver and by FastAPI behind Mangum")
    args = parser.parse_args(argv)
    if args.asgi:
        return compare_asgi(args.runs)
    only = {name for name in args.functions.split(",") if name}
    if args.against:
        return compare_commit(args.against, args.runs, only)
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


def compare_commit(ref: str, runs: int, only: set[str]) -> dict:
    """Each function's cold start now and as of `ref` (its layer and functions extracted with git archive), measured
    alternately in one run, so the ratio says whether a change made the layer heavier."""
    python = ensure_runtime_venv()
    rows, results = [], {"runs": runs, "against": ref, "functions": {}}
    with tempfile.TemporaryDirectory(prefix="paykit-cold-") as before:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "layers", "functions"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", before], input=archive, check=True)
        for app in sorted((ROOT / "functions").glob("*/app.py")):
            name = app.parent.name
            old_app = Path(before) / "functions" / name / "app.py"
            if (only and name not in only) or not old_app.exists():
                continue
            then = measure(python, FUNCTION.format(path=str(old_app)), runs, Path(before) / "layers" / "paykit")
            now = measure(python, FUNCTION.format(path=str(app)), runs)
            results["functions"][name] = {"before_ms": round(then * 1000, 1), "after_ms": round(now * 1000, 1),
                                          "ratio": round(now / then, 2)}
            rows.append([name, f"{then * 1000:.0f}", f"{now * 1000:.0f}", f"{now / then:.2f}"])
    print(f"Cold start (median of {runs} fresh processes) as of {ref} and now")
    print(table(["function", f"{ref[:12]} ms", "now ms", "now / then"], rows))
    write_results("cold_start_against", results)
    return results


def compare_asgi(runs: int) -> dict:
    python = ensure_runtime_venv()
    ensure_asgi(python)
    floor = measure(python, FLOOR, runs)
    powertools = measure(python, POWERTOOLS_ROUTE, runs)
    mangum = measure(python, MANGUM_ROUTE, runs)
    results = {"runs": runs, "floor_ms": round(floor * 1000, 1),
               "powertools_route_ms": round(powertools * 1000, 1), "powertools_route_ratio": round(powertools / floor, 2),
               "fastapi_mangum_route_ms": round(mangum * 1000, 1), "fastapi_mangum_route_ratio": round(mangum / floor, 2),
               "mangum_over_powertools": round(mangum / powertools, 2)}
    print(f"Cold start of one route, init + first request (median of {runs} fresh processes); "
          f"floor = {floor * 1000:.0f} ms")
    print(table(["variant", "ms", "x floor"], [
        ["Powertools APIGatewayHttpResolver", f"{powertools * 1000:.0f}", f"{powertools / floor:.2f}"],
        ["FastAPI behind Mangum", f"{mangum * 1000:.0f}", f"{mangum / floor:.2f}"],
    ]))
    print(f"FastAPI + Mangum / Powertools = {mangum / powertools:.2f}")
    write_results("cold_start_asgi", results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
