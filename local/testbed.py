"""PayKit on local parts for the tests, the benchmarks and the local stack: one set-up, public names only.

moto and the Stripe emulator on free loopback ports, the table and queues from template.yaml, the environment the
handlers read at cold start, tokens signed for it, seeding, and the local stack run as its own process.
"""
from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jwt
import requests

from local.aws_local import MotoAws, apply_environment

ROOT = Path(__file__).resolve().parents[1]
# Settings every local run shares; callers add or override theirs (log level, Stripe retries, stage...).
BASE_ENVIRONMENT = {
    "AUTH_MODE": "hs256",
    "POWERTOOLS_SERVICE_NAME": "paykit",
    "POWERTOOLS_METRICS_NAMESPACE": "PayKit",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
# template.yaml's queues (logical id) -> the variable naming their URL. The dead-letter queues are read by tests.
QUEUE_VARIABLES = {"WebhookQueue": "QUEUE_URL", "WebhookDeadLetterQueue": "DEAD_LETTER_QUEUE_URL",
                   "WorkQueue": "WORK_QUEUE_URL", "WorkDeadLetterQueue": "WORK_DEAD_LETTER_QUEUE_URL"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_token(secret: str, sub: str, project_id: str | None = None, *, lifetime_seconds: int = 600,
               **claims: Any) -> str:
    """An HS256 access token as the local stack's identity provider signs it; `project_id` makes an end user's."""
    payload: dict[str, Any] = {"sub": sub, "type": "access", "exp": int(time.time()) + lifetime_seconds}
    if project_id:
        payload["project_id"] = project_id
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


def reset_service_caches() -> None:
    """Forget everything PayKit cached per container (settings, clients, default services), as a fresh container
    would: every functools cache of every loaded `paykit` module, so a new cache is never missed here."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "paykit" or name.startswith("paykit.")):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()


def configure_service(aws: MotoAws, *, table_name: str, secret_prefix: str, jwt_secret: str,
                      stripe_api_base: str | None = None, **overrides: str) -> dict[str, str]:
    """Creates the table and queues in `aws`, sets the environment the handlers read (returned), and drops what
    an earlier configuration left cached. `overrides` are further environment variables, e.g. STAGE="local"."""
    aws.create_table(table_name)
    queues = aws.create_queues(table_name)
    environment = {
        **aws.environment(), **BASE_ENVIRONMENT,
        "TABLE_NAME": table_name, "SECRET_PREFIX": secret_prefix, "JWT_SECRET": jwt_secret,
        **({"STRIPE_API_BASE": stripe_api_base} if stripe_api_base else {}),
        **{variable: queues[logical_id] for logical_id, variable in QUEUE_VARIABLES.items()},
        **overrides,
    }
    apply_environment(environment)
    reset_service_caches()
    return environment


def seed_items(items: Iterable[dict[str, Any]]) -> int:
    """Writes plain items into the service's table with BatchWriteItem (25 a call, unprocessed ones again), as
    seeding for what the processor would have written; returns how many."""
    from paykit.store.table import default_table, serialize

    table = default_table()
    batch: list[dict[str, Any]] = []
    written = 0

    def flush() -> None:
        request: dict[str, Any] = {table.name: [{"PutRequest": {"Item": serialize(dict(i))}} for i in batch]}
        for _ in range(20):
            request = table.client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            if not request:
                return
        raise RuntimeError("unprocessed items left")

    # One writer: moto server is not thread-safe under concurrent batch writes to one table.
    for item in items:
        batch.append(item)
        if len(batch) == 25:
            flush()
            written, batch = written + 25, []
    if batch:
        flush()
        written += len(batch)
    return written


class MotoProcess(MotoAws):
    """The local moto server in a child process: its memory and CPU stay out of this process's measurements."""

    def start(self) -> "MotoProcess":
        port = free_port()
        serve = (f"import time; from local.aws_local import MotoAws; MotoAws('127.0.0.1', {port}).start(); "
                 "time.sleep(10**9)")
        self._process = subprocess.Popen([sys.executable, "-c", serve], cwd=ROOT, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        self.endpoint_url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self._process.kill()
        raise RuntimeError("moto server did not start")

    def stop(self) -> None:
        _terminate(self._process, 10)


@dataclass
class Testbed:
    """moto, the Stripe emulator (unless started without) and the service's environment pointing at them."""

    aws: MotoAws
    emulator: Any  # stripe_emulator.EmulatorServer, or None
    jwt_secret: str
    environment: dict[str, str] = field(default_factory=dict)

    def token(self, sub: str, project_id: str | None = None, *, lifetime_seconds: int = 7200, **claims: Any) -> str:
        return make_token(self.jwt_secret, sub, project_id, lifetime_seconds=lifetime_seconds, **claims)

    def stripe_account(self, name: str = "bench") -> dict[str, Any]:
        """A fresh emulator account: its id and test keys."""
        reply = requests.post(f"{self.emulator.url}/_emulator/accounts", json={"name": name}, timeout=10)
        reply.raise_for_status()
        return reply.json()

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        self.aws.stop()

    def __enter__(self) -> "Testbed":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_emulator(**options: Any) -> Any:
    """The Stripe emulator on a free loopback port (`options`: its delivery settings)."""
    from stripe_emulator import EmulatorServer

    server = EmulatorServer(host="127.0.0.1", port=0, **options)
    server.start()
    return server


def start_testbed(table_name: str = "paykit-bench", secret_prefix: str = "paykit/bench", *, emulator: bool = True,
                  moto_process: bool = False, **overrides: str) -> Testbed:
    """moto (in this process, or its own with `moto_process`) and the emulator, configured as `configure_service`
    does; `overrides` are environment variables (default log level ERROR: a benchmark prints tables, not logs)."""
    aws = (MotoProcess() if moto_process else MotoAws()).start()
    try:
        server = start_emulator() if emulator else None
    except BaseException:
        aws.stop()
        raise
    bed = Testbed(aws, server, secrets.token_urlsafe(32))
    try:
        bed.environment = configure_service(
            aws, table_name=table_name, secret_prefix=secret_prefix, jwt_secret=bed.jwt_secret,
            stripe_api_base=server.url if server else None, **{"POWERTOOLS_LOG_LEVEL": "ERROR", **overrides})
    except BaseException:
        bed.stop()
        raise
    return bed


class RunningStack:
    """`python -m local.stack` (what `make run` starts) in its own process on free loopback ports."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        port, emulator_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.emulator_url = f"http://127.0.0.1:{emulator_port}"
        self._args = ["--port", str(port), "--emulator-port", str(emulator_port)]

    def start(self, timeout: float) -> "RunningStack":
        """Returns once the stack has seeded its demo and serves; RuntimeError with its output otherwise."""
        with self.log.open("w") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "local.stack", *self._args], cwd=ROOT,
                                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=out,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while "Ctrl-C stops everything" not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"local stack did not start:\n{self.output()}")
            time.sleep(0.2)
        return self

    def output(self) -> str:
        return self.log.read_text()

    @property
    def moto_url(self) -> str:
        """The stack's moto server, whose address it prints."""
        found = re.search(r"AWS \(moto\)\s+(\S+)", self.output())
        if not found:
            raise RuntimeError(f"no moto address in the stack's output:\n{self.output()}")
        return found.group(1)

    def token(self, role: str = "developer", sub: str = "demo-developer", project_id: str | None = None) -> str:
        body = {"role": role, "sub": sub, **({"project_id": project_id} if project_id else {})}
        reply = requests.post(f"{self.url}/_local/token", json=body, timeout=30)
        reply.raise_for_status()
        return reply.json()["token"]

    def stop(self) -> None:
        if self.process is not None:
            _terminate(self.process, 20)


def _terminate(process: subprocess.Popen[Any], timeout: float) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:  # werkzeug may still be answering a long request
        process.kill()
        process.wait()
