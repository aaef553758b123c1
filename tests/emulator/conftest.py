"""Fixtures of the emulator suite: one emulator for the session, fresh state, an account and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripe_emulator import EmulatorServer

from stripe_emulator.conformance.harness import Emu, Receiver


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(host="127.0.0.1", port=0, delivery_backoff=0.05, delivery_max_attempts=4,
                            delivery_timeout=3.0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """The emulator with nothing in it."""
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def emu(server: EmulatorServer) -> Emu:
    return Emu(server)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()
