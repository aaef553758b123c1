"""Session fixtures: moto in server mode and the Stripe emulator on free loopback ports, the service's environment."""
from __future__ import annotations

import os
import secrets
import uuid
from typing import TYPE_CHECKING, Iterator

import pytest
import requests

from local.aws_local import MotoAws
from local.handler_client import HandlerClient
from local.testbed import configure_service, make_token, start_emulator

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
    server = start_emulator(delivery_backoff=0.05)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def service_env(moto_aws: MotoAws, emulator: "EmulatorServer") -> dict[str, str]:
    """The environment the handlers read at cold start, pointing at moto and the emulator."""
    return configure_service(
        moto_aws, table_name=TABLE_NAME, secret_prefix=SECRET_PREFIX, jwt_secret=JWT_SECRET,
        stripe_api_base=emulator.url, STRIPE_MAX_NETWORK_RETRIES="1", STRIPE_TIMEOUT_SECONDS="3",
        POWERTOOLS_LOG_LEVEL="INFO",
        WORK_RETRY_BASE_SECONDS="1")  # a throttled scope comes back within seconds, not 30 s


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
