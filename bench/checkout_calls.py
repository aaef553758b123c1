"""AWS and Stripe calls per warm request for checkout (E12, sync-on-return) and the end user's routes (E14-E18)."""
from __future__ import annotations

import argparse
import uuid
from typing import Any, Callable

import requests

from bench.aws_calls import CallCounter
from bench.common import check_goal, table, write_results
from local.handler_client import HandlerClient
from local.testbed import Testbed, start_testbed

API = "/api/v1/payments/stripe"
URLS = {"success_url": "https://app.example.com/ok?cs={CHECKOUT_SESSION_ID}", "cancel_url": "https://app.example.com/"}


class StripeCounter:
    """Counts HTTP requests the stripe SDK sends (each retry counts), by wrapping its requests client: bench only."""

    def __init__(self) -> None:
        import stripe

        self.calls: list[str] = []
        original = stripe.RequestsClient.request

        def counted(client: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(f"{method.upper()} {url.split('/v1/', 1)[-1].split('?')[0]}")
            return original(client, method, url, *args, **kwargs)

        stripe.RequestsClient.request = counted  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> dict:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    with start_testbed() as bed:
        return run(bed)


def run(bed: Testbed) -> dict:
    emulator_url, token = bed.emulator.url, bed.token
    client = HandlerClient()
    dev = token("bench-dev")
    account = bed.stripe_account()
    project_id = client.post("/api/v1/projects/", token=dev, json_body={"name": "bench"}).json()["id"]
    client.put(f"{API}/projects/{project_id}/config", token=dev,
               json_body={"test_secret_key": account["test_secret_key"]})
    key = (account["test_secret_key"], "")
    product = requests.post(f"{emulator_url}/v1/products", data={"name": "Pro"}, auth=key, timeout=10).json()["id"]
    prices = [requests.post(f"{emulator_url}/v1/prices", auth=key, timeout=10, data={
        "product": product, "currency": "usd", "unit_amount": amount, "recurring[interval]": "month"}).json()["id"]
        for amount in (1900, 4900)]
    aws_counter, stripe_counter = CallCounter(), StripeCounter()
    for service in ("dynamodb", "secretsmanager"):
        aws_counter.attach(service)

    def flow(user: str) -> list[tuple[str, Callable[[], Any], dict[str, int] | None]]:
        """The routes in the order a user meets them; each step leaves the state the next one needs."""
        t = token(user, project_id)
        state: dict[str, str] = {}

        def checkout_new() -> Any:
            reply = client.post(f"{API}/checkout-session", token=t, json_body={"price_id": prices[0], **URLS})
            state["cs"] = reply.json()["session_id"]
            return reply

        def sync() -> Any:
            requests.post(f"{emulator_url}/_emulator/checkout/{state['cs']}/pay", json={"card": "4242424242424242"},
                          timeout=10)
            stripe_counter.calls.clear()  # the payment is the user's browser, not PayKit
            aws_counter.calls.clear()
            return client.get(f"{API}/checkout-session/{state['cs']}", token=t)

        return [
            ("POST checkout-session (new customer)", checkout_new, {"stripe": 2}),
            ("POST checkout-session (customer exists)", lambda: client.post(
                f"{API}/checkout-session", token=t,
                json_body={"price_id": prices[0], **URLS, "allow_existing_subscription": True}), {"stripe": 1}),
            ("GET checkout-session/{id} (sync-on-return)", sync, None),
            ("GET my-subscription", lambda: client.get(f"{API}/my-subscription", token=t),
             {"dynamodb": 2, "secretsmanager": 0}),
            ("GET my-payments", lambda: client.get(f"{API}/my-payments", token=t),
             {"dynamodb": 2, "secretsmanager": 0}),
            ("POST customer-portal", lambda: client.post(f"{API}/customer-portal", token=t,
                                                         json_body={"return_url": URLS["cancel_url"]}), None),
            ("POST preview-subscription-update", lambda: client.post(
                f"{API}/preview-subscription-update", token=t, json_body={"new_price_id": prices[1]}), None),
            ("POST update-subscription", lambda: client.post(
                f"{API}/update-subscription", token=t, json_body={"new_price_id": prices[1]}), None),
            ("POST cancel-subscription (period end)", lambda: client.post(
                f"{API}/cancel-subscription", token=t, json_body={}), None),
            ("POST resume-subscription", lambda: client.post(f"{API}/resume-subscription", token=t), None),
        ]

    for _, request, _ in flow(f"warm-{uuid.uuid4()}"):  # warm: every route has been served once
        request()
    rows, results = [], {}
    for name, request, goal in flow(f"user-{uuid.uuid4()}"):
        stripe_counter.calls.clear()
        counted = aws_counter.measure(request)
        counted["stripe"] = len(stripe_counter.calls)
        counted["stripe_detail"] = list(stripe_counter.calls)
        ok, goal_text = check_goal(counted, goal)
        rows.append([name, counted["dynamodb"], counted["secretsmanager"], counted["stripe"], goal_text,
                     "ok" if ok else "OVER"])
        results[name] = {**counted, "goal": goal, "ok": ok}
    print("Calls per warm request (botocore before-call hooks; Stripe: HTTP requests of the SDK's client)")
    print(table(["route", "DynamoDB", "Secrets Manager", "Stripe", "goal", ""], rows))
    write_results("checkout_calls", results)
    return results


if __name__ == "__main__":
    main()
