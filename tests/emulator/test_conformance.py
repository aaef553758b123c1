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
