"""Webhook pipeline throughput: signed events -> receiver handler -> SQS FIFO (moto) -> poller -> processor handler."""
from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from typing import Any

from bench.aws_calls import CallCounter
from bench.common import table, write_results
from local.handler_client import HandlerClient
from local.queue_poller import QueuePoller
from local.stripe_events import body_of, charge, checkout_session, event, invoice, signature_header, subscription
from local.testbed import Testbed, start_testbed

T0 = 1_780_000_000
WHSEC = "whsec_" + "B" * 32
MONTH = 2_592_000


def subscription_events(project_id: str, n: int) -> list[dict[str, Any]]:
    """One subscription's life (9 events, each in its own second): checkout to a refund and cancel."""
    sub, cus, user = f"sub_b{n}", f"cus_b{n}", f"user-{n}"
    state = lambda status, **kw: subscription(sub, cus, status, created=T0, user_id=user,  # noqa: E731
                                              project_id=project_id, period_start=T0, period_end=T0 + MONTH, **kw)
    bill = lambda inv, pi, paid, t: invoice(inv, cus, sub, pi, created=t, amount=1900, paid=paid,  # noqa: E731
                                            user_id=user, project_id=project_id)
    objects = [
        ("checkout.session.completed", checkout_session(f"cs_b{n}", cus, mode="subscription", user_id=user,
                                                        project_id=project_id, created=T0, subscription=sub)),
        ("customer.subscription.created", state("incomplete")),
        ("invoice.paid", bill(f"in_b{n}a", f"pi_b{n}a", True, T0)),
        ("customer.subscription.updated", state("active")),
        ("customer.subscription.updated", state("active", cancel_at=T0 + MONTH)),
        ("invoice.payment_failed", bill(f"in_b{n}b", f"pi_b{n}b", False, T0 + 5)),
        ("customer.subscription.updated", state("past_due", cancel_at=T0 + MONTH)),
        ("charge.refunded", charge(f"ch_b{n}", cus, f"pi_b{n}a", created=T0, amount=1900, refunded=500)),
        ("customer.subscription.deleted", state("canceled", cancel_at=T0 + MONTH, canceled_at=T0 + 8)),
    ]
    return [event(kind, obj, created=T0 + i) for i, (kind, obj) in enumerate(objects)]


def expected_counters(subscriptions: int) -> dict[str, int]:
    s = subscriptions
    return {"subscriptions": s, "subscriptions#canceled": s, "payments": 2 * s, "payments#partially_refunded": s,
            "payments#failed": s, "amount#partially_refunded#usd": 1900 * s, "amount#failed#usd": 1900 * s,
            "refunded#usd": 500 * s}


def run(total: int, seed: int = 5) -> dict[str, Any]:
    with start_testbed() as bed:
        return _run(total, seed, bed)


def _run(total: int, seed: int, bed: Testbed) -> dict[str, Any]:
    from paykit.store import keys
    from paykit.store.table import batch_get, default_table

    aws, queue_url = bed.aws, bed.environment["QUEUE_URL"]
    token = bed.token("bench-dev")
    account = bed.stripe_account()
    client = HandlerClient()
    project = client.post("/api/v1/projects/", token=token, json_body={"name": "bench"}).json()["id"]
    client.put(f"/api/v1/payments/stripe/projects/{project}/config", token=token,
               json_body={"test_secret_key": account["test_secret_key"], "test_webhook_secret": WHSEC})

    # A realistic mix: whole lifecycles over total/10 subscriptions, 10% of deliveries repeated, shuffled.
    subscriptions = max(1, total // 10)
    unique = [e for n in range(subscriptions) for e in subscription_events(project, n)]
    rng = random.Random(seed)
    deliveries = unique + [rng.choice(unique) for _ in range(max(0, total - len(unique)))]
    rng.shuffle(deliveries)

    counter = CallCounter()
    for service in ("dynamodb", "secretsmanager", "sqs"):
        counter.attach(service)
    path = f"/api/v1/payments/stripe/webhooks/{project}/test"

    # Stage 1: the receiver handler, each delivery signed now (the first one is the cold one).
    statuses: Counter[int] = Counter()
    counter.calls.clear()
    started = time.perf_counter()
    for evt in deliveries:
        body = body_of(evt)
        statuses[client.post(path, raw_body=body, headers={"stripe-signature": signature_header(body, WHSEC)}).status] \
            += 1
        if sum(statuses.values()) == 1:
            cold = Counter(counter.calls)
            counter.calls.clear()
    receiver_seconds = time.perf_counter() - started
    print(f"receiver stage: {len(deliveries)} deliveries in {receiver_seconds:.1f} s", flush=True)
    warm = Counter(counter.calls)
    warm_n = max(1, len(deliveries) - 1)

    # Stage 2: the poller feeds the processor handler 10 messages at a time until the queue is empty.
    counter.calls.clear()
    poller = QueuePoller(aws.client("sqs"), queue_url, wait_seconds=0)
    started = time.perf_counter()
    handled = poller.drain(max_polls=total + 10)
    processor_seconds = time.perf_counter() - started
    print(f"processor stage: {handled} messages in {processor_seconds:.1f} s", flush=True)
    processor_calls = Counter(counter.calls)

    # Verification: every unique event logged processed or ignored; counters equal one application of each. The
    # event records are read by key: moto answers a GSI Query by walking the whole table, too slow at 5,000.
    records = batch_get(default_table(), [keys.event_record(project, "test", e["id"]) for e in unique], consistent=True)
    logged = Counter(i.get("status") for i in records)
    lost = len(unique) - logged["processed"] - logged["ignored"]
    stored = default_table().get(keys.counters(project, "test"), consistent=True) or {}
    expected = expected_counters(subscriptions)
    double_applied = sum(1 for name, value in expected.items() if int(stored.get(name, 0)) > value)
    short = sum(1 for name, value in expected.items() if int(stored.get(name, 0)) < value)

    dynamodb = lambda calls: sum(v for k, v in calls.items() if k.startswith("dynamodb:"))  # noqa: E731
    results = {
        "deliveries": len(deliveries), "unique_events": len(unique), "subscriptions": subscriptions,
        "acknowledged_200": statuses[200], "queued_messages_processed": handled,
        "receiver": {"events_per_second": round(len(deliveries) / receiver_seconds, 1),
                     "warm_calls_per_event": {k: round(v / warm_n, 3) for k, v in sorted(warm.items())},
                     "cold_calls": dict(cold)},
        "processor": {"events_per_second": round(handled / processor_seconds, 1),
                      "dynamodb_calls_per_event": round(dynamodb(processor_calls) / max(1, handled), 3),
                      "calls": dict(sorted(processor_calls.items()))},
        "event_log_status": dict(logged), "lost": lost, "double_applied": double_applied,
        "counters_short": short, "counters_match": {k: int(stored.get(k, 0)) for k in expected} == expected,
    }
    print(f"Webhook pipeline: {len(deliveries)} signed deliveries ({len(unique)} unique events over "
          f"{subscriptions} subscriptions, shuffled), moto server + in-process handlers")
    print(table(["stage", "events/s", "AWS calls per event", "goal"], [
        ["receiver", results["receiver"]["events_per_second"],
         json.dumps(results["receiver"]["warm_calls_per_event"]), "1 SQS, 0 DynamoDB/Secrets Manager (warm)"],
        ["processor", results["processor"]["events_per_second"],
         f"DynamoDB {results['processor']['dynamodb_calls_per_event']}", "DynamoDB <= 2 on average"],
    ]))
    print(f"acknowledged {statuses[200]}/{len(deliveries)}; processed messages {handled} (SQS dropped "
          f"{len(deliveries) - handled} duplicates within its window); lost {lost}; double-applied {double_applied}; "
          f"counters match one application each: {results['counters_match']}")
    write_results("webhooks", results)
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000, help="deliveries (default 5000, 10%% duplicates)")
    args = parser.parse_args(argv)
    return run(args.events)


if __name__ == "__main__":
    main()
