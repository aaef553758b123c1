"""Session fixtures: moto in server mode and the Stripe emulator on free loopback ports, the service's environment."""
from __future__ import annotations

import os
import secrets
import uuid
from typing import TYPE_CHECKING, Iterator

import pytest
import requests

from local.aws_local import MotoAws, apply_environment
from tests.support import HandlerClient, make_token, reset_service_caches

if TYPE_CHECKING:
    from local.stream_poller import StreamPoller
    from stripe_emulator import EmulatorServer

pytest_plugins = ["tests.secret_scan"]  # every response and log line of the run is scanned for secrets

JWT_SECRET = secrets.token_urlsafe(32)
TABLE_NAME = "paykit-test"
SECRET_PREFIX = "paykit/test"


@pytest.fixture(scope="session")
def moto_aws() -> Iterator[MotoAws]:
    aws = MotoAws().start()
    yield aws
    aws.stop()


@pytest.fixture(scope="session")
def emulator() -> Iterator["EmulatorServer"]:
    from stripe_emulator import EmulatorServer

    server = EmulatorServer(host="127.0.0.1", port=0, delivery_backoff=0.05)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def service_env(moto_aws: MotoAws, emulator: "EmulatorServer") -> dict[str, str]:
    """The environment the handlers read at cold start, pointing at moto and the emulator."""
    env = {
        **moto_aws.environment(),
        "TABLE_NAME": TABLE_NAME,
        "SECRET_PREFIX": SECRET_PREFIX,
        "AUTH_MODE": "hs256",
        "JWT_SECRET": JWT_SECRET,
        "STRIPE_API_BASE": emulator.url,
        "STRIPE_MAX_NETWORK_RETRIES": "1",
        "STRIPE_TIMEOUT_SECONDS": "3",
        "POWERTOOLS_SERVICE_NAME": "paykit",
        "POWERTOOLS_METRICS_NAMESPACE": "PayKit",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    moto_aws.create_table(TABLE_NAME)
    queues = moto_aws.create_queues(TABLE_NAME)
    env["QUEUE_URL"] = queues["WebhookQueue"]
    env["DEAD_LETTER_QUEUE_URL"] = queues["WebhookDeadLetterQueue"]  # tests only: where poison events end up
    env["WORK_QUEUE_URL"] = queues["WorkQueue"]
    env["WORK_DEAD_LETTER_QUEUE_URL"] = queues["WorkDeadLetterQueue"]  # tests only: scopes that failed 8 times
    env["WORK_RETRY_BASE_SECONDS"] = "1"  # a throttled scope comes back within seconds, not 30 s
    apply_environment(env)
    reset_service_caches()
    return env


@pytest.fixture(scope="session")
def outbox_stream(service_env: dict[str, str], moto_aws: MotoAws) -> "StreamPoller":
    from local.stream_poller import StreamPoller

    dlq = moto_aws.client("sqs").get_queue_url(QueueName=f"{TABLE_NAME}-OutboxDeadLetterQueue")["QueueUrl"]
    return StreamPoller(moto_aws, TABLE_NAME, dlq_url=dlq)


@pytest.fixture()
def outbox(outbox_stream: "StreamPoller") -> "StreamPoller":
    """The table's stream into the outbox sender, as deployed; a test calls `drain()` where Lambda would be polling.
    Earlier tests' items are sent first, so what a test finds pending is its own."""
    outbox_stream.drain()
    return outbox_stream


@pytest.fixture()
def client(service_env: dict[str, str]) -> HandlerClient:
    return HandlerClient()


@pytest.fixture()
def developer() -> str:
    """A fresh developer id per test: tests never see each other's projects."""
    return f"dev-{uuid.uuid4()}"


@pytest.fixture()
def dev_token(developer: str) -> str:
    return make_token(JWT_SECRET, developer)


@pytest.fixture()
def stripe_account(emulator: "EmulatorServer") -> dict[str, str]:
    return requests.post(f"{emulator.url}/_emulator/accounts", json={"name": "test"}, timeout=10).json()


@pytest.fixture()
def project(client: HandlerClient, dev_token: str) -> dict:
    reply = client.post("/api/v1/projects/", token=dev_token, json_body={"name": "Shop"})
    assert reply.status == 201, reply.text
    return reply.json()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes minutes (still part of make test)")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
