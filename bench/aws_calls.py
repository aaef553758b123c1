"""AWS calls per warm request, per endpoint, counted with botocore's event hooks (moto server + the emulator)."""
from __future__ import annotations

import argparse
from collections import Counter
from typing import Any, Callable

from bench.common import check_goal, table, write_results
from local.handler_client import HandlerClient
from local.testbed import Testbed, start_testbed

GOAL_GET = {"dynamodb": 2, "secretsmanager": 0}


class CallCounter:
    """Counts API calls per service on the clients the service built (paykit.aws.client)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, service: str) -> None:
        from paykit import aws

        aws.client(service).meta.events.register(
            "before-call", lambda model, **_: self.calls.update([f"{service}:{model.name}"])
        )

    def measure(self, request: Callable[[], Any]) -> dict[str, int]:
        self.calls.clear()
        request()
        by_service: Counter[str] = Counter()
        for name, count in self.calls.items():
            by_service[name.split(":")[0]] += count
        return {"dynamodb": by_service["dynamodb"], "secretsmanager": by_service["secretsmanager"],
                "detail": dict(self.calls)}


def main(argv: list[str] | None = None) -> dict:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    with start_testbed() as bed:
        return run(bed)


def run(bed: Testbed) -> dict:
    token = bed.token("bench-dev")
    account = bed.stripe_account()
    client = HandlerClient()
    project = client.post("/api/v1/projects/", token=token, json_body={"name": "bench"}).json()
    base = f"/api/v1/payments/stripe/projects/{project['id']}"
    keys = {"test_secret_key": account["test_secret_key"], "test_publishable_key": account["test_publishable_key"]}
    client.put(f"{base}/config", token=token, json_body=keys)
    counter = CallCounter()
    for service in ("dynamodb", "secretsmanager"):
        counter.attach(service)

    endpoints: list[tuple[str, str, Callable[[], Any], dict[str, int] | None]] = [
        ("GET", "/api/v1/projects/", lambda: client.get("/api/v1/projects/", token=token), GOAL_GET),
        ("GET", "/api/v1/projects/{id}", lambda: client.get(f"/api/v1/projects/{project['id']}", token=token),
         GOAL_GET),
        ("POST", "/api/v1/projects/", lambda: client.post("/api/v1/projects/", token=token,
                                                          json_body={"name": "more"}), None),
        ("GET", "/api/v1/payments/projects", lambda: client.get("/api/v1/payments/projects", token=token), GOAL_GET),
        ("GET", ".../config", lambda: client.get(f"{base}/config", token=token), GOAL_GET),
        ("PUT", ".../config (one test key)", lambda: client.put(
            f"{base}/config", token=token, json_body={"test_publishable_key": keys["test_publishable_key"]}),
         {"dynamodb": 2}),
        ("PUT", ".../config (all test keys)", lambda: client.put(f"{base}/config", token=token, json_body=keys),
         {"dynamodb": 2}),
        ("DELETE", ".../config", lambda: client.delete(f"{base}/config", token=token), {"dynamodb": 2}),
        ("GET", ".../webhook-urls", lambda: client.get(f"{base}/webhook-urls", token=token), GOAL_GET),
        ("POST", ".../validate-credentials", lambda: client.post(
            f"{base}/validate-credentials", token=token, json_body={"secret_key": keys["test_secret_key"]}),
         {"dynamodb": 2, "secretsmanager": 0}),
    ]
    rows, results = [], {}
    for method, path, request, goal in endpoints:
        request()  # warm: the container has served this route once
        counted = counter.measure(request)
        ok, goal_text = check_goal(counted, goal)
        rows.append([method, path, counted["dynamodb"], counted["secretsmanager"], goal_text,
                     "ok" if ok else "OVER"])
        results[f"{method} {path}"] = {**counted, "goal": goal, "ok": ok}
    print("AWS calls per warm request (botocore before-call hooks)")
    print(table(["method", "route", "DynamoDB", "Secrets Manager", "goal", ""], rows))
    write_results("aws_calls", results)
    return results


if __name__ == "__main__":
    main()
