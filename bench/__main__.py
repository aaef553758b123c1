"""`python -m bench` (make bench): every benchmark, one after the other, at sizes that finish in minutes.

The large runs are separate: `python -m bench.webhooks --events 5000`, `python -m bench.lists --sizes 1000,100000`.
Longer load: `python -m bench.load --users 50 --duration 60`.
"""
import argparse

from bench import analytics, aws_calls, build_size, entitlements, export, fidelity, checkout_calls, cold_start, histories, lists, load, sdk, usage_faults, webhooks

argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
cold_start.main([])
print()
aws_calls.main([])
print()
checkout_calls.main([])
print()
webhooks.main(["--events", "500"])
print()
lists.main(["--sizes", "1000,10000"])
print()
analytics.main(["--projects", "100", "--large", "100000"])
print()
entitlements.main(["--calls", "2000"])
print()
usage_faults.main(["--calls", "1000"])
print()
histories.main(["--histories", "5"])
print()
export.main(["--sizes", "1000,10000"])
print()
fidelity.main([])
print()
build_size.main([])
print()
sdk.main([])
print()
load.main(["--users", "50"])
