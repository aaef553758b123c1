"""`python -m bench.emulator`: the Stripe emulator package against its flat predecessor (`--baseline`, by default the
last commit with `local/stripe_emulator`), in one run: its import time and its requests per second over the
checkout-and-subscribe lifecycle through the stripe SDK over HTTP, and per CPU second straight into its WSGI
application, printed as after/before ratios.

Each measurement runs in a fresh interpreter, alternating the two versions, best of `--rounds`; the baseline is
taken from git into a temporary folder and imported under another name, so both run side by side.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD_PATH = "local/stripe_emulator"
BASELINE_NAME = "stripe_emulator_baseline"


def baseline_rev() -> str:
    """The last commit that still had the flat emulator: HEAD, or the parent of the commit that moved it."""
    here = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"HEAD:{OLD_PATH}/__init__.py"],
                          capture_output=True).returncode == 0
    if here:
        return "HEAD"
    moved = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--diff-filter=D", "--format=%H", "--",
                            f"{OLD_PATH}/__init__.py"], check=True, capture_output=True, text=True).stdout.strip()
    if not moved:
        raise SystemExit(f"no commit has {OLD_PATH}: pass --baseline")
    return f"{moved}^"


def extract_baseline(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, OLD_PATH], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    target = into / BASELINE_NAME
    shutil.move(str(into / OLD_PATH), target)
    return into


# --- the workers (a fresh interpreter each) --------------------------------------------------------------------------


def import_seconds(module: str, path: str | None) -> tuple[float, float]:
    """Wall time of `import module` in a new interpreter, and the package's own share (`-X importtime` self times
    of its modules, the SDK and Werkzeug left out)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [path, os.environ.get("PYTHONPATH")]))}
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, check=True,
                          capture_output=True, text=True)
    own = 0
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[0].isdigit() and parts[2].split(".")[0] == module:
            own += int(parts[0])
    return float(done.stdout), own / 1e6


def lifecycle(module: str, cycles: int) -> dict:
    """Checkout and subscribe `cycles` times on a fresh emulator, as PayKit's tests do; requests counted."""
    import importlib

    import requests
    import stripe

    server = importlib.import_module(module).EmulatorServer(host="127.0.0.1", port=0)
    server.start()
    try:
        keys = server.create_account("Bench")
        session = requests.Session()
        calls = 0

        class Counting(stripe.RequestsClient):
            def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                nonlocal calls
                calls += 1
                return super().request(*args, **kwargs)

        client = stripe.StripeClient(keys["test_secret_key"], base_addresses={"api": server.url},
                                     http_client=Counting(session=session))
        v1 = client.v1
        price = v1.prices.create({"currency": "usd", "unit_amount": 1900, "recurring": {"interval": "month"},
                                  "product_data": {"name": "Pro"}})
        started = time.perf_counter()
        for i in range(cycles):
            customer = v1.customers.create({"email": f"buyer{i}@example.com"})
            checkout = v1.checkout.sessions.create({
                "mode": "subscription", "customer": customer.id, "line_items": [{"price": price.id, "quantity": 1}],
                "success_url": "https://example.com/ok", "cancel_url": "https://example.com/no"})
            paid = session.post(f"{server.url}/_emulator/checkout/{checkout.id}/pay",
                                json={"card": "4242424242424242"}, timeout=30)
            calls += 1
            assert paid.status_code == 200, paid.text
            done = v1.checkout.sessions.retrieve(checkout.id, {"expand": ["subscription"]})
            sub_id = done.subscription.id
            v1.subscriptions.retrieve(sub_id, {"expand": ["latest_invoice"]})
            v1.invoices.list({"customer": customer.id})
            v1.events.list({"limit": 10})
            v1.subscriptions.update(sub_id, {"cancel_at_period_end": True})
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    return {"requests": calls, "seconds": seconds, "rps": calls / seconds}


def wsgi_lifecycle(module: str, cycles: int) -> dict:
    """The same lifecycle straight into the WSGI application (no sockets, no SDK): the emulator's own CPU time per
    request, which the HTTP figure buries under the client's and the loopback's on a busy machine."""
    import importlib

    from werkzeug.test import Client

    server = importlib.import_module(module).EmulatorServer(host="127.0.0.1", port=0)
    keys = server.create_account("Bench")
    client = Client(server.app)
    auth = {"Authorization": f"Bearer {keys['test_secret_key']}"}
    calls = 0

    def call(method: str, path: str, data: dict | None = None, json_body: dict | None = None) -> dict:
        nonlocal calls
        calls += 1
        answer = client.open(path, method=method, headers=auth, json=json_body,
                             **({"query_string": data} if method == "GET" else {"data": data}))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()

    price = call("POST", "/v1/prices", {"currency": "usd", "unit_amount": "1900", "recurring[interval]": "month",
                                        "product_data[name]": "Pro"})
    started = time.process_time()
    for i in range(cycles):
        customer = call("POST", "/v1/customers", {"email": f"buyer{i}@example.com"})
        checkout = call("POST", "/v1/checkout/sessions", {
            "mode": "subscription", "customer": customer["id"], "line_items[0][price]": price["id"],
            "line_items[0][quantity]": "1", "success_url": "https://example.com/ok"})
        call("POST", f"/_emulator/checkout/{checkout['id']}/pay", json_body={"card": "4242424242424242"})
        done = call("GET", f"/v1/checkout/sessions/{checkout['id']}", {"expand[]": "subscription"})
        sub_id = done["subscription"]["id"]
        call("GET", f"/v1/subscriptions/{sub_id}", {"expand[]": "latest_invoice"})
        call("GET", "/v1/invoices", {"customer": customer["id"]})
        call("GET", "/v1/events", {"limit": "10"})
        call("POST", f"/v1/subscriptions/{sub_id}", {"cancel_at_period_end": "true"})
    seconds = time.process_time() - started
    return {"requests": calls - 1, "seconds": seconds, "rps": (calls - 1) / seconds}


def worker(args: argparse.Namespace) -> None:
    if args.path:
        sys.path.insert(0, args.path)
    if args.worker == "import":
        total, own = import_seconds(args.module, args.path)
        print(json.dumps({"total": total, "own": own}))
    elif args.worker == "wsgi":
        print(json.dumps(wsgi_lifecycle(args.module, args.cycles)))
    else:
        print(json.dumps(lifecycle(args.module, args.cycles)))


def run(kind: str, module: str, path: str | None, cycles: int) -> dict:
    command = [sys.executable, "-m", "bench.emulator", "--worker", kind, "--module", module,
               "--cycles", str(cycles)] + (["--path", path] if path else [])
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.emulator", description=__doc__)
    parser.add_argument("--baseline", help="git revision of the flat emulator (default: the last one that had it)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--imports", type=int, default=7, help="fresh-interpreter imports per version")
    parser.add_argument("--cycles", type=int, default=40, help="checkout-and-subscribe cycles per round")
    parser.add_argument("--worker", choices=("import", "lifecycle", "wsgi"), help=argparse.SUPPRESS)
    parser.add_argument("--module", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return {}
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", args.baseline or baseline_rev()],
                         check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="emulator-baseline-") as tmp:
        extract_baseline(rev, Path(tmp))
        versions = {"before": (BASELINE_NAME, tmp), "after": ("stripe_emulator", None)}
        imports: dict[str, list[dict]] = {name: [] for name in versions}
        lifecycles: dict[str, list[dict]] = {name: [] for name in versions}
        wsgi: dict[str, list[dict]] = {name: [] for name in versions}
        for _ in range(args.imports):
            for name, (module, path) in versions.items():
                imports[name].append(run("import", module, path, 0))
        for _ in range(args.rounds):
            for name, (module, path) in versions.items():
                lifecycles[name].append(run("lifecycle", module, path, args.cycles))
                wsgi[name].append(run("wsgi", module, path, args.cycles * 2))
    figures = {}
    for name in versions:
        figures[name] = {
            "import_s": statistics.median(i["total"] for i in imports[name]),
            "own_import_s": statistics.median(i["own"] for i in imports[name]),
            "rps": max(r["rps"] for r in lifecycles[name]),
            "cpu_rps": max(r["rps"] for r in wsgi[name]),
            "requests": lifecycles[name][0]["requests"],
        }
    before, after = figures["before"], figures["after"]
    print(f"Stripe emulator: package vs flat modules at {rev} ({args.imports} imports, {args.rounds} rounds of "
          f"{args.cycles} checkout-and-subscribe cycles, {after['requests']} requests each)")
    print(f"  import (with stripe SDK)    before {before['import_s'] * 1000:7.1f} ms   after "
          f"{after['import_s'] * 1000:7.1f} ms   ratio {after['import_s'] / before['import_s']:.2f}")
    print(f"  import (emulator's own)     before {before['own_import_s'] * 1000:7.1f} ms   after "
          f"{after['own_import_s'] * 1000:7.1f} ms   ratio {after['own_import_s'] / before['own_import_s']:.2f}")
    print(f"  lifecycle requests/s (HTTP) before {before['rps']:7.1f}      after {after['rps']:7.1f}      "
          f"ratio {after['rps'] / before['rps']:.2f}")
    print(f"  requests per CPU second     before {before['cpu_rps']:7.1f}      after {after['cpu_rps']:7.1f}      "
          f"ratio {after['cpu_rps'] / before['cpu_rps']:.2f}   (in-process WSGI, no HTTP)")
    return figures


if __name__ == "__main__":
    main()
