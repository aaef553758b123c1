"""The money state machine (tests/faults/test_money_histories.py) as a benchmark: histories run and identity checks
made per minute on this machine, from one run of N long histories (`PAYKIT_LONG_HISTORIES=1`).

`python -m bench.histories [--histories 10]` prints the table and writes bench/results/histories.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import table, write_results

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="paykit-histories-") as folder:
        report = Path(folder) / "tally.json"
        env = {**os.environ, "PAYKIT_LONG_HISTORIES": "1", "PAYKIT_HISTORIES": str(args.histories),
               "PAYKIT_HISTORIES_REPORT": str(report)}
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/faults/test_money_histories.py"], cwd=ROOT, env=env, capture_output=True,
                             text=True)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            print(run.stdout[-4000:])
            raise SystemExit("the histories failed: the identities do not hold (see above)")
        tally = json.loads(report.read_text())
    steps = sum(tally["steps"].values())
    minutes = seconds / 60
    print(f"money histories: {tally['histories']} histories, {steps} steps, {tally['checks']} identity checks "
          f"in {seconds:.0f} s (the run's own set-up included)")
    print(table(["", "count", "per minute"], [
        ["histories", tally["histories"], f"{tally['histories'] / minutes:.1f}"],
        ["steps", steps, f"{steps / minutes:.1f}"],
        ["identity checks", tally["checks"], f"{tally['checks'] / minutes:.1f}"]]))
    print("steps by rule:", ", ".join(f"{name} {count}" for name, count in sorted(tally["steps"].items())))
    print(f"histories whose clock moved (renewals, dunning): {tally['moved']}; subscriptions with a running "
          f"discount at the checks: {tally['discounted']}")
    results = {**tally, "seconds": seconds}
    write_results("histories", results)
    return results


if __name__ == "__main__":
    main()
