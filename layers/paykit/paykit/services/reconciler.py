"""The reconciler: events Stripe reports as not delivered (last 30 days) are queued again for every active project."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterator

from paykit.errors import PayKitError
from paykit.observability import logger
from paykit.services.webhooks import MODES, WebhookReceiver, default_receiver
from paykit.store import keys
from paykit.store.table import Table, default_table
from paykit.stripe_gateway import StripeGateway, default_gateway

LOOKBACK_SECONDS = 30 * 86400  # Stripe keeps events 30 days


@dataclass
class ReconcileReport:
    projects: int = 0
    scopes: int = 0
    queued: int = 0
    failed_scopes: list[str] = field(default_factory=list)


def active_projects(table: Table) -> Iterator[dict[str, Any]]:
    """Projects whose config is active with a secret key: the sparse gsi2 partition, never a Scan."""
    return table.query_all("gsi2pk = :pk", {":pk": keys.ACTIVE_CONFIGS_GSI}, index=keys.GSI2, newest_first=False)


def scopes_of(project: dict[str, Any]) -> list[str]:
    """The modes of an active project that have a secret key, so Stripe can be asked."""
    config = project.get("config") or {}
    return [mode for mode in MODES if (config.get(mode) or {}).get("secret_key_masked")]


class Reconciler:
    def __init__(self, table: Table, gateway: StripeGateway, receiver: WebhookReceiver,
                 clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.gateway = gateway
        self.receiver = receiver
        self.clock = clock

    def run(self) -> ReconcileReport:
        """Every active scope in this one invocation: the loop that issue 15 replaced with the work queue's fan-out
        (services/work.py); kept for `bench.scale`, which measures the two side by side."""
        report = ReconcileReport()
        for project in active_projects(self.table):
            report.projects += 1
            for mode in scopes_of(project):
                report.scopes += 1
                try:
                    report.queued += self.reconcile_scope(project["id"], mode)
                except PayKitError as exc:  # one tenant's revoked key or Stripe outage never stops the others
                    logger.warning("reconcile failed", project_id=project["id"], mode=mode, error=exc.detail)
                    report.failed_scopes.append(f"{project['id']}#{mode}")
        logger.info("reconciled", projects=report.projects, scopes=report.scopes, queued=report.queued)
        return report

    def reconcile_scope(self, project_id: str, mode: str) -> int:
        """One (project, mode): its undelivered events of the last 30 days queued again; how many."""
        return self._reconcile(project_id, mode, int(self.clock()) - LOOKBACK_SECONDS)

    def _reconcile(self, project_id: str, mode: str, since: int) -> int:
        def undelivered(client: Any) -> list[dict[str, Any]]:
            # The page's raw JSON, not StripeObjects: the queued body is the event exactly as Stripe sent it.
            params: dict[str, Any] = {"delivery_success": False, "created": {"gte": since}, "limit": 100}
            found: list[dict[str, Any]] = []
            while True:
                page = json.loads(client.v1.events.list(params).last_response.body)
                found += page["data"]
                if not page.get("has_more") or not page["data"]:
                    return found
                params["starting_after"] = page["data"][-1]["id"]

        queued = 0
        for event in self.gateway.call(project_id, mode, undelivered):
            if bool(event.get("livemode")) != (mode == "live"):
                continue  # a key of the other mode: never cross test and live
            self.receiver.enqueue(project_id, mode, event, json.dumps(event, separators=(",", ":")).encode())
            queued += 1
        return queued


@lru_cache(maxsize=1)
def default_reconciler() -> Reconciler:
    return Reconciler(default_table(), default_gateway(), default_receiver())
