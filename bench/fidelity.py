"""`python -m bench.fidelity`: the Stripe emulator against the pinned SDK's types (issue 12, items 1-2), as figures."""
from __future__ import annotations

import argparse
import sys

from bench.common import write_results
from stripe_emulator import EmulatorServer
from stripe_emulator.conformance.expansion import check_expansions, check_ids, check_prefixes
from stripe_emulator.conformance.harness import Emu, Receiver
from stripe_emulator.conformance.lifecycle import lifecycle
from stripe_emulator.conformance.objects import Report, check_event_order, check_recorded
from stripe_emulator.conformance.parameters import check_parameters


def main(argv: list[str] | None = None) -> Report:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    server = EmulatorServer(host="127.0.0.1", port=0, delivery_backoff=0.05, delivery_max_attempts=4,
                            delivery_timeout=3.0)
    server.start()
    receiver = Receiver()
    try:
        emu = Emu(server)
        recorder = lifecycle(emu, receiver.url)
        emu.wait_deliveries()
        report = Report()
        webhooks = receiver.events(status=None)
        check_recorded(report, recorder.answers, webhooks)
        check_event_order(report, [e.to_dict() for e in emu.events()])
        check_parameters(report, emu.url, emu.account["test_secret_key"])
        bodies = [body for _, _, status, body in recorder.answers if status < 300] + webhooks
        check_expansions(report, emu.url, emu.account["test_secret_key"], bodies)
        check_ids(report, emu.url, emu.account["test_secret_key"], bodies)
        check_prefixes(report)
    finally:
        receiver.stop()
        server.stop()
    print(f"Stripe emulator conformance to the pinned SDK ({len(recorder.answers)} answers, "
          f"{len(webhooks)} webhook payloads)")
    print(report.summary())
    write_results("fidelity", {"objects": report.objects, "fields": report.fields, "params_read": report.params,
                               "params_probed": report.probes, "nested_params_read": report.nested,
                               "expandable_fields_checked": report.expansions, "expanded_from_id": report.expanded,
                               "ids_retrieved": report.ids, "id_prefixes": report.prefixes, "mismatches": report.mismatches,
                               "allowed": report.allowed, "kinds": dict(report.kinds)})
    return report


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1:]).mismatches else 0)
