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


class Reconciler:
    def __init__(self, table: Table, gateway: StripeGateway, receiver: WebhookReceiver,
                 clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.gateway = gateway
        self.receiver = receiver
        self.clock = clock

    def run(self) -> ReconcileReport:
        report = ReconcileReport()
        since = int(self.clock()) - LOOKBACK_SECONDS
        for project in active_projects(self.table):
            report.projects += 1
            config = project.get("config") or {}
            for mode in MODES:
                if not (config.get(mode) or {}).get("secret_key_masked"):
                    continue
                report.scopes += 1
                try:
                    report.queued += self._reconcile(project["id"], mode, since)
                except PayKitError as exc:  # one tenant's revoked key or Stripe outage never stops the others
                    logger.warning("reconcile failed", project_id=project["id"], mode=mode, error=exc.detail)
                    report.failed_scopes.append(f"{project['id']}#{mode}")
        logger.info("reconciled", projects=report.projects, scopes=report.scopes, queued=report.queued)
        return report

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
