"""Fault fixtures: the service's AWS clients routed through a fault-injecting proxy, short Stripe timeouts."""
from __future__ import annotations

import os
from typing import Iterator

import pytest
import requests

from local import lambda_host
from local.aws_local import MotoAws
from local.fault_proxy import FaultProxy
from tests.support import reset_service_caches

# boto3 honours per-service endpoint variables over AWS_ENDPOINT_URL: only the service under test sees the proxy.
PROXIED = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SQS")
# A hung Stripe call costs the client timeout per attempt; 1 s keeps each hang test short but far above a healthy
# emulator call on a loaded machine.
FAULT_ENV = {"STRIPE_TIMEOUT_SECONDS": "1", "STRIPE_MAX_NETWORK_RETRIES": "1"}


@pytest.fixture(scope="session")
def fault_proxy(moto_aws: MotoAws) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_aws.endpoint_url).start()
    yield proxy
    proxy.stop()


@pytest.fixture()
def faults(service_env: dict[str, str], fault_proxy: FaultProxy, emulator) -> Iterator[FaultProxy]:
    """Every AWS call of the service goes through the proxy for this test; a fresh container's caches on both ends."""
    changes = {**{name: fault_proxy.url for name in PROXIED}, **FAULT_ENV}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    reset_service_caches()
    fault_proxy.clear()
    try:
        yield fault_proxy
    finally:
        fault_proxy.clear()
        requests.delete(f"{emulator.url}/_emulator/faults", timeout=10)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_service_caches()


def stripe_fault(emulator, account: str, kind: str, count: int, path_prefix: str = "/v1/", **kw) -> None:
    """The emulator's next `count` calls of this account under `path_prefix` answer 500, 429 or hang."""
    reply = requests.post(f"{emulator.url}/_emulator/faults", timeout=10,
                          json={"kind": kind, "count": count, "path_prefix": path_prefix, "account": account, **kw})
    assert reply.status_code == 200, reply.text


def failed_records(batch: dict) -> set[str]:
    """The message ids the processor handed back to SQS: partial failures, or all of them when all failed (then
    Powertools raises and Lambda returns the whole batch to the queue)."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    try:
        result = lambda_host.invoke("event_processor", batch)
    except BatchProcessingError:
        return {record["messageId"] for record in batch["Records"]}
    return {failure["itemIdentifier"] for failure in result["batchItemFailures"]}
