"""The whole service on one machine: moto (AWS), the Stripe emulator, the local gateway, and a seeded demo.

`python -m local.stack` (what `make run` starts) prints tokens and curl lines; Ctrl-C stops everything.
The same LocalStack class is what the end-to-end tests start on free ports.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import threading
from typing import Any

from stripe_emulator import EmulatorServer

from local.aws_local import MotoAws
from local.dashboard import dashboard_routes
from local.demo import seed_history
from local.gateway import Gateway
from local.openapi import docs_route, openapi_route
from local.queue_poller import QueuePoller
from local.schedules import ScheduleRunner
from local.stream_poller import StreamPoller
from local.testbed import configure_service, make_token

TABLE_NAME = "paykit-local"


class LocalStack:
    def __init__(self, gateway_port: int = 3000, emulator_port: int = 12111, moto_port: int = 0,
                 host: str = "127.0.0.1", delivery_backoff: float = 0.5) -> None:
        self.aws = MotoAws(host, moto_port)
        self.emulator = EmulatorServer(host=host, port=emulator_port, delivery_backoff=delivery_backoff)
        self.jwt_secret = secrets.token_urlsafe(32)
        self._host = host
        self._gateway_port = gateway_port
        self.gateway: Gateway | None = None
        self.poller: QueuePoller | None = None
        self.work_poller: QueuePoller | None = None
        self.schedules: ScheduleRunner | None = None
        self.outbox: StreamPoller | None = None

    @property
    def url(self) -> str:
        assert self.gateway is not None
        return self.gateway.url

    def start(self) -> "LocalStack":
        self.aws.start()
        self.emulator.start()
        routes = {("POST", "/_local/token"): self._token_route, ("POST", "/_local/schedule"): self._schedule_route,
                  **dashboard_routes(),
                  ("GET", "/openapi.json"): openapi_route, ("GET", "/docs"): docs_route}
        self.gateway = Gateway(self._host, self._gateway_port, extra_routes=routes)
        # The table and queues from template.yaml; the receiver reads QUEUE_URL at its cold start (first delivery).
        configure_service(
            self.aws, table_name=TABLE_NAME, secret_prefix="paykit/local", jwt_secret=self.jwt_secret,
            stripe_api_base=self.emulator.url, STAGE="local", STRIPE_MAX_NETWORK_RETRIES="1",
            PUBLIC_API_BASE_URL=self.gateway.url, WORK_RETRY_BASE_SECONDS="2",
            POWERTOOLS_LOG_LEVEL=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"))
        self.queues = self.aws.queue_urls
        self.gateway.start()
        # Lambda's SQS event source: a failed event is received again after 5 s (not 180) and reaches the DLQ
        # after 5 receives, as deployed.
        self.poller = QueuePoller(self.aws.client("sqs"), self.queues["WebhookQueue"], visibility_timeout=5).start()
        # The scheduled work queue (issue 15) into the worker, and the schedules that fill it, as deployed.
        self.work_poller = QueuePoller(self.aws.client("sqs"), self.queues["WorkQueue"], function="scope_worker",
                                       visibility_timeout=5).start()
        # The table's stream into the outbox sender (usage reports to Stripe's meters), as deployed.
        self.outbox = StreamPoller(self.aws, TABLE_NAME, dlq_url=self.queues["OutboxDeadLetterQueue"]).start()
        self.schedules = ScheduleRunner().start()
        return self

    def stop(self) -> None:
        for background in (self.schedules, self.outbox, self.work_poller, self.poller):
            if background:
                background.stop()
        if self.gateway:
            self.gateway.stop()
        self.emulator.stop()
        self.aws.stop()

    def _schedule_route(self, request: dict[str, Any]) -> tuple[int, Any]:
        """Runs a schedule now: `{"function": "stats_refresher", "payload": {"full": true}}` (`make refresh-all`)."""
        try:
            body = json.loads(request["body"] or b"{}")
            function, payload = str(body["function"]), dict(body.get("payload") or {})
            assert self.schedules is not None
            return 200, self.schedules.run_now(function, payload)
        except (ValueError, KeyError, TypeError, AttributeError):
            return 422, {"detail": "Send {\"function\": \"reconciler\"|\"stats_refresher\", \"payload\": {...}}"}

    def token(self, role: str = "developer", sub: str = "demo-developer", project_id: str | None = None,
              lifetime_seconds: int = 12 * 3600) -> str:
        return make_token(self.jwt_secret, sub, project_id if role == "end_user" else None, role=role,
                          lifetime_seconds=lifetime_seconds)

    def _token_route(self, request: dict[str, Any]) -> tuple[int, Any]:
        try:
            body = json.loads(request["body"] or b"{}")
            role = body.get("role", "developer")
            if role not in ("developer", "end_user") or not body.get("sub"):
                raise ValueError
            if role == "end_user" and not body.get("project_id"):
                raise ValueError
        except (ValueError, AttributeError):
            return 422, {"detail": "Send {\"role\": \"developer\"|\"end_user\", \"sub\": \"...\", \"project_id\": \"...\"}"}
        return 200, {"token": self.token(role, body["sub"], body.get("project_id"))}


def seed_demo(stack: LocalStack) -> dict[str, Any]:
    """One developer with two projects and six months of Stripe history (local/demo.py), through the public APIs."""
    developer = stack.token("developer", "demo-developer")
    demo = seed_history(stack, developer)
    project = demo["projects"][0]
    return {**demo, "developer_token": developer, "project": project, "account": demo["accounts"][0],
            "price": {"id": demo["prices"][project["name"]]["pro"]},
            "end_user_token": stack.token("end_user", demo["customers"][0].user_id, project["id"])}


def _print_walkthrough(stack: LocalStack, demo: dict[str, Any]) -> None:
    base, project = stack.url, demo["project"]["id"]
    print(f"""
PayKit is running.
  API gateway     {base}
  Stripe emulator {stack.emulator.url}
  AWS (moto)      {stack.aws.endpoint_url}

Demo developer token:
  export DEV_TOKEN={demo['developer_token']}
Demo end-user token (project {project}):
  export USER_TOKEN={demo['end_user_token']}
Demo price: {demo['price']['id']}

Seeded in {demo['seconds']} s: {len(demo['projects'])} projects, {len(demo['customers'])} customers, six months of \
Stripe history through test clocks ({demo['events']} webhook deliveries, \
{"all applied" if demo['drained'] else "NOT all applied yet: the charts fill in as the queue drains"}).
Dashboard: {base}/dashboard (paste $DEV_TOKEN into its token field; it stays in that browser tab)

Try:
  curl -s {base}/api/v1/projects/ -H "Authorization: Bearer $DEV_TOKEN"
  curl -s {base}/api/v1/payments/projects -H "Authorization: Bearer $DEV_TOKEN"
  curl -s {base}/api/v1/payments/stripe/projects/{project}/config -H "Authorization: Bearer $DEV_TOKEN"
  curl -s {base}/api/v1/payments/stripe/projects/{project}/webhook-urls -H "Authorization: Bearer $DEV_TOKEN"
  curl -s -X POST {base}/_local/token -d '{{"role": "developer", "sub": "someone-else"}}'
  curl -s {base}/api/v1/payments/stripe/projects/{project}/events -H "Authorization: Bearer $DEV_TOKEN"

Ctrl-C stops everything.""", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--emulator-port", type=int, default=12111)
    args = parser.parse_args()
    stack = LocalStack(gateway_port=args.port, emulator_port=args.emulator_port).start()
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        _print_walkthrough(stack, seed_demo(stack))
        stopped.wait()
    finally:
        print("\nStopping PayKit...", flush=True)
        stack.stop()


if __name__ == "__main__":
    main()
