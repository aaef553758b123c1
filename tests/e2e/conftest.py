"""The local stack as a newcomer runs it: `python -m local.stack` in its own process, on free loopback ports."""
from __future__ import annotations

from typing import Iterator

import pytest

from local.testbed import ROOT, RunningStack, free_port  # noqa: F401 (ROOT, free_port: for the e2e tests)
from tests.secret_scan import GATEWAYS, SCANNER


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = RunningStack(tmp_path_factory.mktemp("stack") / "stack.log")
    try:
        stack.start(timeout=240)  # the stack seeds six months of demo history (local/demo.py) first
    except RuntimeError as failed:
        pytest.fail(str(failed))
    GATEWAYS.add(stack.url)
    yield stack
    GATEWAYS.discard(stack.url)
    stack.stop()
    SCANNER.scan(stack.output(), "local stack log")  # PayKit's log lines from the whole e2e session
