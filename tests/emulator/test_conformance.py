"""The emulator against the pinned SDK's own types: every object and event of a full lifecycle, every parameter."""

from __future__ import annotations

from stripe_emulator.conformance.expansion import (
    NOT_RETRIEVABLE,
    check_expansions,
    check_ids,
    check_prefixes,
    minted_prefixes,
)
from stripe_emulator.conformance.harness import Emu, Receiver
from stripe_emulator.conformance.lifecycle import lifecycle
from stripe_emulator.conformance.objects import Report, check_event_order, check_recorded
from stripe_emulator.conformance.parameters import check_parameters


def test_everything_the_emulator_returns_or_sends_conforms_to_the_sdk_types(emu: Emu, receiver: Receiver):
    # Given a full lifecycle driven through the SDK, with every answer and every webhook recorded
    recorder = lifecycle(emu, receiver.url)
    emu.wait_deliveries()
    # When each object is checked against its SDK class, and each served operation's parameters against its type
    report = Report()
    check_recorded(report, recorder.answers, receiver.events(status=None))
    check_event_order(report, [e.to_dict() for e in emu.events()])
    check_parameters(report, emu.url, emu.account["test_secret_key"])
    print(report.summary())
    # Then the lifecycle covered the resources and nothing disagrees with the SDK
    assert report.objects > 500 and report.probes > 450
    assert {"subscription", "invoice", "checkout.session", "event", "refund", "payment_intent"} <= set(report.kinds)
    assert report.mismatches == [], report.summary()
    assert report.conforming == 1.0


def test_the_checker_reports_unknown_missing_and_out_of_set_fields(emu: Emu):
    # Given a real session as the emulator renders it, then doctored three ways
    session = emu.session(emu.price()).last_response.data
    session.pop("mode")
    session.update(ui_mode="hosted", favourite_colour="blue")
    # When it is checked against the SDK's Session class
    report = Report()
    check_recorded(report, [("POST", "http://x/v1/checkout/sessions", 200, session)], [])
    # Then each disagreement is reported
    assert sorted(m.split(":")[0] for m in report.mismatches) == ["enum value", "missing field", "unknown field"]


def test_every_expandable_field_expands_and_every_id_handed_out_is_retrievable(emu: Emu, receiver: Receiver):
    # Given a full lifecycle driven through the SDK, with every answer and every webhook recorded
    recorder = lifecycle(emu, receiver.url)
    emu.wait_deliveries()
    bodies = [body for _, _, status, body in recorder.answers if status < 300] + receiver.events(status=None)
    # When every field the SDK types ExpandableField is expanded on each object kind's retrieve and list routes,
    # and every id met in those answers and events is retrieved at its route
    report = Report()
    check_expansions(report, emu.url, emu.account["test_secret_key"], bodies)
    check_ids(report, emu.url, emu.account["test_secret_key"], bodies)
    check_prefixes(report)
    print(report.summary())
    # Then each expansion answered the object (conforming to its class) and each id its object
    assert report.expansions > 80 and report.expanded > 30 and report.ids > 200
    assert report.mismatches == [], report.summary()


def test_every_id_prefix_the_emulator_mints_is_known_to_the_walker():
    # Given the prefixes the emulator's source passes to new_id
    prefixes = minted_prefixes()
    # When they are checked for a GET route (or a reason Stripe serves none)
    report = Report()
    check_prefixes(report)
    # Then the scan found the emulator's resources, and each has its route or its reason
    assert {"cus", "sub", "in", "pi", "ch", "re", "txn", "cs_test", "cs_live"} <= prefixes
    assert report.prefixes == len(prefixes) and report.mismatches == [], report.summary()
    assert set(NOT_RETRIEVABLE) <= {p.split("_")[0] for p in prefixes} | {"acct"}
