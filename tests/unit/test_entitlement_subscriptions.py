"""A user's entitlements come from all their live subscriptions, not the last changed one (issue 18, item 11): the
processor's item keeps every live subscription, and `check` grants while one of them does (pure rules)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from paykit.processor.projections.entitlements import subscription_state, tracked_subscriptions
from paykit.services.entitlements import evaluate

NOW = datetime(2026, 11, 15, tzinfo=timezone.utc)
T0 = int(NOW.timestamp())
FEATURES = {"api": {"key": "api", "lookup_key": "api", "kind": "boolean"}}
SETTINGS = {"past_due_grace_days": 3}


def sub(sub_id: str, status: str, end: str = "2026-12-01T00:00:00.000000Z", **extra) -> dict:
    return {"subscription_id": sub_id, "status": status, "customer_id": "cus_1",
            "current_period_start": "2026-11-01T00:00:00.000000Z", "current_period_end": end, **extra}


def apply(ent: dict | None, *changes: dict) -> dict:
    """The item after each change in turn, as the processor SETs its fields."""
    ent = dict(ent or {"features": ["api"]})
    for n, change in enumerate(changes):
        ent.update(subscription_state(ent, change, T0 + n))
    return ent


def allowed(ent: dict, now: datetime = NOW) -> tuple[bool, str | None]:
    out = evaluate(ent, "api", FEATURES, SETTINGS, now)
    return out.allowed, out.reason


def test_one_of_two_live_subscriptions_canceled_keeps_access():
    # Given a user with two active subscriptions, the second one changed last
    ent = apply(None, sub("sub_a", "active"), sub("sub_b", "active"))
    # When the one that changed last is canceled (before: every feature lost)
    ent = apply(ent, sub("sub_b", "canceled"))
    # Then the other still grants access, and the item shows it
    assert allowed(ent) == (True, None)
    assert (ent["sub_id"], ent["sub_status"]) == ("sub_a", "active")
    assert set(ent["subs"]) == {"sub_a"}


def test_access_ends_when_the_last_live_subscription_ends():
    ent = apply(None, sub("sub_a", "active"), sub("sub_b", "active"), sub("sub_b", "canceled"),
                sub("sub_a", "canceled"))
    assert allowed(ent) == (False, "subscription_inactive")
    assert ent["subs"] == {} and (ent["sub_id"], ent["sub_status"]) == ("sub_a", "canceled")


def test_a_scheduled_end_on_one_does_not_end_the_other():
    past = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ent = apply(None, sub("sub_a", "active", cancel_at=past), sub("sub_b", "active"))
    assert allowed(ent) == (True, None)
    alone = apply(None, sub("sub_a", "active", cancel_at=past))
    assert allowed(alone) == (False, "subscription_ended")


def test_past_due_beyond_grace_on_one_is_covered_by_the_other_and_the_summary_shows_the_granting_one():
    ent = apply(None, sub("sub_a", "active"), sub("sub_b", "past_due", end="2026-12-20T00:00:00.000000Z"))
    assert ent["sub_id"] == "sub_a"  # active before past_due, whatever the later period
    assert allowed(ent, NOW + timedelta(days=10)) == (True, None)
    ent = apply(ent, sub("sub_a", "canceled"))
    assert allowed(ent, NOW + timedelta(days=10)) == (False, "past_due")
    assert allowed(ent, NOW + timedelta(days=1)) == (True, None)


def test_past_due_since_is_kept_per_subscription():
    ent = apply(None, sub("sub_a", "past_due"))
    first = ent["subs"]["sub_a"]["past_due_since"]
    ent = apply(ent, sub("sub_b", "active"), sub("sub_a", "past_due", end="2026-12-02T00:00:00.000000Z"))
    assert ent["subs"]["sub_a"]["past_due_since"] == first


def test_an_item_written_before_issue_18_is_read_as_its_one_subscription():
    legacy = {"features": ["api"], "sub_id": "sub_a", "sub_status": "active",
              "current_period_end": "2026-12-01T00:00:00.000000Z"}
    assert set(tracked_subscriptions(legacy)) == {"sub_a"}
    assert allowed(legacy) == (True, None)
    # When a second subscription of the user changes, the first one is kept beside it
    ent = apply(legacy, sub("sub_b", "active"))
    assert set(ent["subs"]) == {"sub_a", "sub_b"}
    ent = apply(ent, sub("sub_b", "canceled"))
    assert allowed(ent) == (True, None)
    assert tracked_subscriptions({"sub_id": "sub_a", "sub_status": "canceled"}) == {}


def test_a_user_with_no_subscription_state_is_judged_by_features_alone():
    assert allowed({"features": ["api"]}) == (True, None)
    assert evaluate({}, "api", FEATURES, SETTINGS, NOW).reason == "not_entitled"


def test_a_second_subscription_made_without_being_allowed_is_the_later_ones_duplicate():
    from paykit.processor.projections.entitlements import duplicates

    same_second = "2026-11-15T00:00:00.000000Z"
    ent = apply(None, sub("sub_b", "active", created_at="2026-11-15T00:00:01.000000Z"),
                sub("sub_a", "active", created_at=same_second))
    assert duplicates(ent["subs"]) == {"sub_b": "sub_a"}  # whichever event came first
    # An allowed one is never a duplicate, and in a tie it is the later one
    allowed = dict(ent)
    allowed.update(subscription_state(allowed, sub("sub_0", "active", created_at=same_second), T0, allowed=True))
    assert "sub_0" not in duplicates(allowed["subs"]) and duplicates(allowed["subs"])["sub_b"] == "sub_a"
    # A canceled or past one is no original
    ended = apply(ent, sub("sub_a", "canceled", created_at=same_second))
    assert duplicates(ended["subs"]) == {}
