"""Key builders for every item type of the single table; docs/data-model.md lists the access patterns they serve."""
from __future__ import annotations

GSI1 = "gsi1"


def project(project_id: str) -> dict[str, str]:
    return {"pk": f"PROJECT#{project_id}", "sk": "PROJECT"}


def developer(owner_id: str) -> dict[str, str]:
    """The developer's own item: the count of projects, guarding the per-developer limit."""
    return {"pk": f"DEV#{owner_id}", "sk": "DEV"}


def developer_projects_gsi(owner_id: str) -> str:
    return f"DEV#{owner_id}#PROJECTS"


def project_gsi1(owner_id: str, created_at: str, project_id: str) -> dict[str, str]:
    return {"gsi1pk": developer_projects_gsi(owner_id), "gsi1sk": f"{created_at}#{project_id}"}


ACTIVE_CONFIGS_GSI = "CONFIGS#ACTIVE"


def active_config_gsi2(project_id: str) -> dict[str, str]:
    """Sparse gsi2 entry of a project item while its config is active with a secret key: the reconciler's list."""
    return {"gsi2pk": ACTIVE_CONFIGS_GSI, "gsi2sk": project_id}

# ---------------------------------------------------------------- webhook-written items (per project and mode)
# Every item below lives in its own partition (no hot project partition); lists come from sparse GSIs whose sort
# key starts with the record's created_at, so a descending Query is newest first (decision 23).

GSI2 = "gsi2"


def scope(project_id: str, mode: str) -> str:
    return f"{project_id}#{mode}"


def subscription(project_id: str, mode: str, stripe_subscription_id: str) -> dict[str, str]:
    return {"pk": f"SUB#{scope(project_id, mode)}#{stripe_subscription_id}", "sk": "SUB"}


def project_subscriptions_gsi(project_id: str, mode: str) -> str:
    return f"PROJECT#{scope(project_id, mode)}#SUBS"


def user_subscriptions_gsi(project_id: str, mode: str, user_id: str) -> str:
    return f"PROJECT#{scope(project_id, mode)}#USER#{user_id}#SUBS"


def payment(project_id: str, mode: str, payment_intent_id: str) -> dict[str, str]:
    return {"pk": f"PAY#{scope(project_id, mode)}#{payment_intent_id}", "sk": "PAY"}


def project_payments_gsi(project_id: str, mode: str) -> str:
    return f"PROJECT#{scope(project_id, mode)}#PAYS"


def user_payments_gsi(project_id: str, mode: str, user_id: str) -> str:
    return f"PROJECT#{scope(project_id, mode)}#USER#{user_id}#PAYS"


def listing_gsi(index: str, partition: str, created_at: str, record_id: str) -> dict[str, str]:
    """The gsi keys of one list entry: `index` is GSI1 (project lists) or GSI2 (one user's lists)."""
    return {f"{index}pk": partition, f"{index}sk": f"{created_at}#{record_id}"}


def customer_of_user(project_id: str, mode: str, user_id: str) -> dict[str, str]:
    """(project, mode, end user) -> Stripe customer: one customer per user (decision 13)."""
    return {"pk": f"CUSTOMER#{scope(project_id, mode)}#USER#{user_id}", "sk": "CUSTOMER"}


def user_of_customer(project_id: str, mode: str, customer_id: str) -> dict[str, str]:
    """(project, mode, Stripe customer) -> end user: links events that carry no metadata (dashboard-made objects)."""
    return {"pk": f"CUSTOMER#{scope(project_id, mode)}#{customer_id}", "sk": "USER"}


def event_marker(project_id: str, mode: str, event_id: str) -> dict[str, str]:
    """Dedup marker: exists once the event took effect; expires (TTL) after Stripe stops retrying (3 days) and the
    30 days Stripe keeps events for replay."""
    return {"pk": f"EVENT#{scope(project_id, mode)}#{event_id}", "sk": "APPLIED"}


def event_record(project_id: str, mode: str, event_id: str) -> dict[str, str]:
    """The stored event (body, status processed / ignored / failed) for the event log and replay."""
    return {"pk": f"EVENT#{scope(project_id, mode)}#{event_id}", "sk": "EVENT"}


def project_events_gsi(project_id: str, mode: str) -> str:
    return f"PROJECT#{scope(project_id, mode)}#EVENTS"


def parked_events(project_id: str) -> str:
    """The partition of a project's parked events: acknowledged while its configuration was deactivated (E7), queued
    again when it is re-enabled. Bounded by what the receiver acknowledges in its cache window after E7."""
    return f"PARKED#{project_id}"


def parked_event(project_id: str, mode: str, event_id: str) -> dict[str, str]:
    return {"pk": parked_events(project_id), "sk": f"{mode}#{event_id}"}


def counters(project_id: str, mode: str) -> dict[str, str]:
    """Counts and sums per (project, mode), changed with ADD in the transaction of each change."""
    return {"pk": f"STATS#{scope(project_id, mode)}", "sk": "COUNTERS"}


# ---------------------------------------------------------------- filtered lists (E1, E2, E10, E11; issue 6)
# One sparse GSI per filter combination, so every filtered list is one Query per page, newest first, whatever
# the data: (project given, mode given, status given) -> index. (project, mode) is gsi1's project list above.
LIST_INDEXES: dict[tuple[bool, bool, bool], str] = {
    (False, False, False): "gsi3", (False, True, False): "gsi4", (False, False, True): "gsi5",
    (False, True, True): "gsi6", (True, False, False): "gsi7", (True, True, False): GSI1,
    (True, False, True): "gsi8", (True, True, True): "gsi9",
}
_LIST_TAG = {"subscription": "SUBS", "payment": "PAYS"}


def list_partition(kind: str, owner_id: str, project_id: str | None, mode: str | None,
                   status: str | None) -> tuple[str, str]:
    """(index, partition) of one filtered list; developer-wide lists are keyed by the owner, never by the caller's
    input alone, so no filter value can reach another developer's partition."""
    index = LIST_INDEXES[(project_id is not None, mode is not None, status is not None)]
    if index == GSI1:
        assert project_id and mode
        return index, (project_subscriptions_gsi if kind == "subscription" else project_payments_gsi)(project_id, mode)
    parts = [f"PROJECT#{project_id}" if project_id else f"DEV#{owner_id}"]
    parts += [mode] if mode else []
    parts.append(_LIST_TAG[kind])
    parts += [f"STATUS#{status}"] if status else []
    return index, "#".join(parts)


def filtered_listing(kind: str, owner_id: str | None, project_id: str, mode: str, status: str, created_at: str,
                     record_id: str) -> dict[str, str]:
    """The keys of every filtered list a record belongs to (gsi1, the (project, mode) list, is set by its writer)."""
    out: dict[str, str] = {}
    for (by_project, by_mode, by_status), index in LIST_INDEXES.items():
        if index == GSI1 or (not by_project and not owner_id):
            continue
        _, partition = list_partition(kind, owner_id or "", project_id if by_project else None,
                                      mode if by_mode else None, status if by_status else None)
        out.update(listing_gsi(index, partition, created_at, record_id))
    return out


def counters_day(project_id: str, mode: str, day: str) -> dict[str, str]:
    """One day's sums per (project, mode) (`day` = yyyy-mm-dd), beside the counters: 30 days are one Query."""
    return {"pk": f"STATS#{scope(project_id, mode)}", "sk": f"DAY#{day}"}


def developers_gsi() -> str:
    """Every developer, for the scheduled stats refresher (gsi1 of the developer item; written at project creation)."""
    return "DEVELOPERS"


def developer_counters(owner_id: str, mode: str) -> dict[str, str]:
    """The counters of all a developer's projects in one mode, kept in the same transactions as each project's
    (issue 13): E4 and the time series read one item and one partition, whatever the number of projects."""
    return {"pk": f"DEVSTATS#{owner_id}#{mode}", "sk": "COUNTERS"}


def developer_day(owner_id: str, mode: str, day: str) -> dict[str, str]:
    """One day's sums over all a developer's projects in one mode, beside their counters."""
    return {"pk": f"DEVSTATS#{owner_id}#{mode}", "sk": f"DAY#{day}"}


def developer_stats(owner_id: str) -> dict[str, str]:
    """The refresher's per-developer roll-up of the counters of all their projects."""
    return {"pk": f"DEV#{owner_id}", "sk": "STATS"}


# ---------------------------------------------------------------- scheduled work (issue 15)


def dirty_bucket(hour: str, shard: int) -> str:
    """One hour's (yyyy-mm-ddThh) partition of dirty marks, sharded so no partition takes every event's mark."""
    return f"DIRTY#{hour}#{shard}"


def dirty_mark(hour: str, shard: int, project_id: str, mode: str) -> dict[str, str]:
    """A (project, mode) an event changed in that hour: the refresher's incremental pass recounts only these."""
    return {"pk": dirty_bucket(hour, shard), "sk": scope(project_id, mode)}


def work_state(producer: str) -> dict[str, str]:
    """Where a scheduled producer's last complete pass started (the refresher reads marks since then)."""
    return {"pk": f"WORK#{producer}", "sk": "STATE"}


# ---------------------------------------------------------------- entitlements and usage (issue 14)


def feature(project_id: str, mode: str, key: str) -> dict[str, str]:
    """A feature of the project's catalog (its Stripe Entitlements feature, kind and limit); one Query lists all."""
    return {"pk": f"FEAT#{scope(project_id, mode)}", "sk": f"KEY#{key}"}


def features_partition(project_id: str, mode: str) -> str:
    return f"FEAT#{scope(project_id, mode)}"


def entitlements(project_id: str, mode: str, user_id: str) -> dict[str, str]:
    """One end user's entitlements, subscription state and usage counters: `check` is this one GetItem. One
    partition per user, so a busy tenant's usage spreads over partitions."""
    return {"pk": f"ENT#{scope(project_id, mode)}#{user_id}", "sk": "ENT"}


def usage_marker(project_id: str, mode: str, user_id: str, key_hash: str) -> dict[str, str]:
    """A counted `usage` request (its Idempotency-Key, hashed): a retry finds it and counts nothing again."""
    return {"pk": f"USAGE#{scope(project_id, mode)}#{user_id}#{key_hash}", "sk": "MARKER"}


def work_segment(producer: str, started: int, cursor: str) -> dict[str, str]:
    """One handed-on segment of a scheduled pass (from `cursor`): claimed by the one worker that runs it."""
    return {"pk": f"WORK#{producer}#{started}", "sk": f"SEGMENT#{cursor}"}


def outbox(project_id: str, mode: str, kind: str, key: str) -> dict[str, str]:
    """One side effect waiting to leave (decision 33): its own partition, so a busy scope's sends never share one."""
    return {"pk": f"OUTBOX#{project_id}#{mode}#{kind}#{key}", "sk": "OUTBOX"}


def idempotency_partition(shard: int) -> str:
    """The records of end-user requests' Idempotency-Keys (paykit.replay, Powertools' sort key under a static
    partition): a few shards, so one partition does not take every tenant's retries."""
    return f"IDEMPOTENCY#{shard}"


def open_checkout(project_id: str, mode: str, user_id: str) -> dict[str, str]:
    """The user's open subscription checkout (issue 18, item 10): the session handed out last and its request's
    hash, so the same request again gets it back; it expires with the session (the table's TTL)."""
    return {"pk": f"CHECKOUT#{scope(project_id, mode)}#{user_id}", "sk": "OPEN"}
