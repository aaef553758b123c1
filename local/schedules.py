"""EventBridge Scheduler for the local stack: runs each ScheduleV2 function of template.yaml at its rate."""
from __future__ import annotations

import re
import threading
import time
from typing import Any, Callable

from local import lambda_host
from local.template import functions

_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """`rate(1 hour)` -> 3600; cron() and at() are not run locally (None)."""
    match = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression.strip())
    return int(match.group(1)) * _UNITS[match.group(2)] if match else None


def scheduled_event(function: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """The invocation EventBridge Scheduler sends (events/<function>/Hourly.json), with `payload` merged in."""
    return {"version": "0", "detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": {},
            "resources": [f"arn:aws:scheduler:us-east-1:000000000000:schedule/default/{function}"], **(payload or {})}


def schedules() -> dict[str, int]:
    """Function name -> period in seconds, for every rate schedule of the template."""
    out = {}
    for name, spec in functions().items():
        for event in spec.events.values():
            if event.get("Type") in ("ScheduleV2", "Schedule"):
                seconds = rate_seconds(str(event["Properties"].get("ScheduleExpression", "")))
                if seconds:
                    out[name] = seconds
    return out


class ScheduleRunner:
    """One daemon thread: each schedule fires one period after start, then every period, as deployed."""

    def __init__(self, invoke: Callable[[str, dict[str, Any]], Any] = lambda_host.invoke,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._invoke = invoke
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.periods = schedules()
        self._due: dict[str, float] = {}

    def run_now(self, function: str, payload: dict[str, Any] | None = None) -> Any:
        if function not in self.periods:
            raise KeyError(function)
        return self._invoke(function, scheduled_event(function, payload))

    def start(self) -> "ScheduleRunner":
        self._due = {name: self._clock() + period for name, period in self.periods.items()}
        self._thread = threading.Thread(target=self._run, name="schedules", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        due = self._due
        while not self._stop.wait(1.0):
            for name, at in due.items():
                if self._clock() >= at:
                    due[name] = at + self.periods[name]
                    try:
                        self.run_now(name)
                    except Exception:  # noqa: BLE001 - a failed run is retried at the next period, as deployed
                        pass

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
