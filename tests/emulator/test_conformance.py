"""The emulator against the pinned SDK's own types: every object and event of a full lifecycle, every parameter."""

from __future__ import annotations

from .conformance import Report, check_event_order, check_parameters, check_recorded, lifecycle
from .support import Emu, Receiver


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
    assert report.objects > 500 and report.probes > 300
    assert {"subscription", "invoice", "checkout.session", "event", "refund", "payment_intent"} <= set(report.kinds)
    assert report.mismatches == [], report.summary()


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
