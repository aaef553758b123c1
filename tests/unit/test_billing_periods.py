"""Stripe's period arithmetic for the gap after a period ends (issue 18, item 5), against hand-computed cases."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from paykit.services.entitlements import following_period, period_of


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("start, end, expected_end", [
    # Monthly, anchored on the 31st: clamped to each month's last day, back to the 31st when the month has one
    ("2027-01-31T10:00:00", "2027-02-28T10:00:00", "2027-03-31T10:00:00"),
    ("2027-02-28T10:00:00", "2027-03-31T10:00:00", "2027-04-30T10:00:00"),
    ("2027-03-31T10:00:00", "2027-04-30T10:00:00", "2027-05-31T10:00:00"),
    # Anchored on the 30th across February
    ("2027-01-30T00:00:00", "2027-02-28T00:00:00", "2027-03-30T00:00:00"),
    # A leap day anchor, yearly: Feb 29 -> Feb 28 -> Feb 28 (the anchor's day never exceeds the month)
    ("2028-02-29T12:00:00", "2029-02-28T12:00:00", "2030-02-28T12:00:00"),
    # Quarterly on the 15th
    ("2027-01-15T08:30:00", "2027-04-15T08:30:00", "2027-07-15T08:30:00"),
    # Weekly and daily: the same length again
    ("2027-03-01T09:00:00", "2027-03-08T09:00:00", "2027-03-15T09:00:00"),
    ("2027-03-01T09:00:00", "2027-03-02T09:00:00", "2027-03-03T09:00:00"),
])
def test_the_following_period_is_stripes(start, end, expected_end):
    assert following_period(at(start), at(end)) == (at(end), at(expected_end))


def test_the_gap_after_a_period_belongs_to_the_period_that_follows_it():
    # (stored as the processor stores Stripe's timestamps: paykit.models.common.iso)
    ent = {"current_period_start": "2027-01-31T10:00:00.000000Z", "current_period_end": "2027-02-28T10:00:00.000000Z"}
    # inside the period: the period itself
    assert period_of(ent, at("2027-02-10T00:00:00")) == ("2027-01-31T10:00:00.000000Z", "2027-02-28T10:00:00.000000Z")
    # after its end, before the renewal's webhook: the next period by Stripe's arithmetic
    assert period_of(ent, at("2027-02-28T10:00:01")) == ("2027-02-28T10:00:00.000000Z", "2027-03-31T10:00:00.000000Z")
    # two periods late (no webhook for over a month): still the period that holds now
    assert period_of(ent, at("2027-04-01T00:00:00")) == ("2027-03-31T10:00:00.000000Z", "2027-04-30T10:00:00.000000Z")


def test_without_a_period_usage_counts_by_calendar_month():
    assert period_of({}, at("2027-02-10T00:00:00")) == ("2027-02-01T00:00:00.000000Z", "2027-03-01T00:00:00.000000Z")
