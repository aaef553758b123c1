"""The local stack's scheduler reads the template's schedules and fires each at its rate."""
from __future__ import annotations

from local.schedules import ScheduleRunner, rate_seconds, schedules


def test_rate_expressions_become_periods_and_others_are_not_run_locally():
    # Then rate() in its units is a period in seconds; cron() is left to AWS
    assert [rate_seconds(e) for e in ("rate(1 hour)", "rate(5 minutes)", "rate(2 days)", "cron(0 * * * ? *)")] == [
        3600, 300, 172800, None]


def test_the_hourly_producers_are_the_templates_schedules():
    # Then the reconciler and the refresher run hourly, and no other function is scheduled (the worker is queue-driven)
    assert schedules() == {"reconciler": 3600, "stats_refresher": 3600}


def test_a_schedule_fires_after_its_period_with_the_schedulers_event():
    # Given a runner on a clock that moves one hour and a second past its start
    now = [0.0]
    calls: list[tuple[str, dict]] = []
    runner = ScheduleRunner(invoke=lambda name, event: calls.append((name, event)), clock=lambda: now[0])
    runner.start()
    now[0] = 3601.0

    # When a tick passes
    runner._stop.wait(1.5)
    runner.stop()

    # Then each hourly function ran once with a Scheduled Event
    assert sorted(name for name, _ in calls) == ["reconciler", "stats_refresher"]
    assert all(event["detail-type"] == "Scheduled Event" and event["source"] == "aws.scheduler" for _, event in calls)
