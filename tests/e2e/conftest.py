"""The local stack as a newcomer runs it: `python -m local.stack` in its own process, on free loopback ports."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.secret_scan import GATEWAYS, SCANNER

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningStack:
    def __init__(self, process: subprocess.Popen, url: str, emulator_url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.emulator_url = emulator_url
        self.log = log

    def output(self) -> str:
        return self.log.read_text()

    def token(self, role: str = "developer", sub: str = "demo-developer", project_id: str | None = None) -> str:
        body = {"role": role, "sub": sub, **({"project_id": project_id} if project_id else {})}
        return requests.post(f"{self.url}/_local/token", json=body, timeout=10).json()["token"]


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    port, emulator_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("stack") / "stack.log"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'paykit'}{os.pathsep}{ROOT}", "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "local.stack", "--port", str(port),
                                    "--emulator-port", str(emulator_port)], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    stack = RunningStack(process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{emulator_port}", log)
    deadline = time.monotonic() + 240  # the stack seeds six months of demo history (local/demo.py) first
    while "Ctrl-C stops everything" not in stack.output():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"local stack did not start:\n{stack.output()}")
        time.sleep(0.2)
    GATEWAYS.add(stack.url)
    yield stack
    GATEWAYS.discard(stack.url)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    SCANNER.scan(stack.output(), "local stack log")  # PayKit's log lines from the whole e2e session
