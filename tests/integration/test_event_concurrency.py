"""Two workers processing one subscription's events at the same time end where in-order delivery ends (moto server)."""
from __future__ import annotations

import threading
import uuid

from paykit.processor import EventProcessor, GatewayReader
from paykit.store.table import default_table
from tests.integration.test_event_processor import deliver, lifecycle, stored_state
from local.stripe_events import body_of

ROUNDS = 4


def comparable(project_id: str) -> dict:
    """The stored state without what differs per project (keys and derived ids)."""
    state = stored_state(project_id)
    drop = {"pk", "id", "subscription_id", "project_id", "stripe_event_id"}
    strip = lambda record: {k: v for k, v in (record or {}).items()  # noqa: E731
                            if k not in drop and not k.startswith("gsi")}
    return {"subscription": strip(state["subscription"]), "payments": [strip(p) for p in state["payments"]],
            "counters": state["counters"]}


def _diff(got: dict, expected: dict) -> list:
    records = [("subscription", got["subscription"], expected["subscription"]), ("counters", got["counters"],
               expected["counters"])] + [("payment", g, e) for g, e in zip(got["payments"], expected["payments"])]
    return [(name, k, g.get(k), e.get(k)) for name, g, e in records for k in set(g) | set(e) if g.get(k) != e.get(k)]


def test_two_workers_on_one_subscription_end_like_in_order_delivery(service_env):
    # Given the in-order outcome of a subscription's lifecycle
    reference = str(uuid.uuid4())
    deliver(reference, lifecycle(reference))
    expected = comparable(reference)
    for round_ in range(ROUNDS):
        # And the same lifecycle for a new project, split between two workers (every event also sent to both in
        # some rounds, as a redelivery racing the first delivery would be)
        project_id = str(uuid.uuid4())
        events = lifecycle(project_id)
        shares = [events[0::2], events[1::2]] if round_ % 2 else [events, list(reversed(events))]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def worker(share: list[dict]) -> None:
            # Each worker is its own container: its own processor, the table client shared (boto3 is thread-safe)
            processor = EventProcessor(default_table(), GatewayReader())
            start.wait(timeout=10)
            try:
                for evt in share:
                    processor.process_event(project_id, "test", evt, body_of(evt).decode())
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # Then neither worker failed and the records and counters are those of in-order delivery
        assert not errors and not any(t.is_alive() for t in threads)
        got = comparable(project_id)
        assert got == expected, (round_, _diff(got, expected))
