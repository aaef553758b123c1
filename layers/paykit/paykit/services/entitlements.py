"""What may this user do (issue 14): features kept as Stripe keeps them, each user's entitlements kept current by
the event processor, `check` and `usage` answered from one item per user.

The user's item (keys.entitlements) holds the feature keys of Stripe's active entitlement summary, the state of
the user's subscription (status, period, when it went past due) and the usage counters per feature and period.
The processor writes the first two with SET under `ent_version`; `usage` ADDs the counters, so neither overwrites
the other. A feature's kind and limit live in the project's catalog (one Query, cached per container for a
minute), so a warm `check` is one BatchGetItem (the user's item and the project's gate, read fresh), no Stripe and
no Secrets Manager call. `usage` counts in one transaction with its report to Stripe's meter as an outbox item.
"""
from __future__ import annotations

import calendar
import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from paykit import outbox
from paykit.auth import Principal
from paykit.cache import TtlCache
from paykit.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound, ServiceUnavailable
from paykit.models.common import iso, utcnow
from paykit.models.entitlements import (
    BillingSettings,
    BillingSettingsOut,
    CheckOut,
    EntitlementsOut,
    FeatureList,
    FeatureOut,
    FeatureRequest,
    UsageOut,
    UsageRequest,
    UserUsageOut,
    billing_settings_of,
)
from paykit.processor.projections.entitlements import ENDED, tracked_subscriptions
from paykit.scope import Scope, scope_with
from paykit.services.projects import owned_project
from paykit.store import keys
from paykit.store import projects as project_store
from paykit.store.errors import ConditionFailed, TransactionConflict
from paykit.store.table import Table, default_table
from paykit.stripe_gateway import StripeGateway, default_gateway

CATALOG_SECONDS = 60.0  # a developer's change of a limit reaches warm containers within a minute
MARKER_DAYS = 2  # a usage retry within two days is recognised (Stripe keeps meter event identifiers 24 h)
_USAGE_ATTEMPTS = 8  # reads of the user's item (each round one concurrent call wins; the store retries conflicts)
_MAX_PERIODS_AHEAD = 400  # periods rolled past a missed renewal (a year of daily periods) before the calendar month
_catalogs: TtlCache[dict[str, dict[str, Any]]] = TtlCache(CATALOG_SECONDS)


def _mode(test_mode: bool) -> str:
    return "test" if test_mode else "live"


# ---------------------------------------------------------------------- pure rules


def period_of(ent: dict[str, Any], now: datetime) -> tuple[str, str]:
    """(period key, resets_at): the subscription's billing period; after its end, until the renewal's webhook
    brings the next one, the period that follows it by Stripe's arithmetic (the key the renewal will have, so the
    gap's usage counts in it); the calendar month (UTC) when no period is known."""
    start, end = ent.get("current_period_start"), ent.get("current_period_end")
    if start and end and start <= iso(now) < end:
        return start, end
    if start and end and start <= iso(now):
        begin, finish = _parse(start), _parse(end)
        for _ in range(_MAX_PERIODS_AHEAD):
            if now < finish:
                return iso(begin), iso(finish)
            begin, finish = following_period(begin, finish)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return iso(first), iso(following)


def following_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The billing period Stripe starts at `end`. Month-based intervals (months, years) keep the billing cycle
    anchor's day, clamped to the month's last day (Jan 31 -> Feb 28 -> Mar 31); the anchor's day is the larger of
    the two ends' days, since at most one of them was clamped. Day-based intervals (days, weeks) repeat the length."""
    months = (end.year - start.year) * 12 + end.month - start.month
    anchor = max(start.day, end.day)
    if months > 0 and _add_months(start, months, anchor) == end:
        return end, _add_months(end, months, anchor)
    return end, end + (end - start)


def _add_months(moment: datetime, months: int, day: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(day, calendar.monthrange(year, month)[1]))


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def used_name(key: str, period: str) -> str:
    return f"used#{key}#{period}"


def evaluate(ent: dict[str, Any] | None, key: str, features: dict[str, dict[str, Any]], settings: dict[str, Any],
             now: datetime) -> CheckOut:
    """`check`'s answer for one feature key: entitled (a held lookup key of that key; with several, the largest
    limit), the subscription grants access now, and under the limit. `features` is the catalog by lookup key."""
    ent = ent or {}
    held = [features.get(lk) or {"key": lk, "lookup_key": lk, "kind": "boolean"}  # made in Stripe's dashboard
            for lk in ent.get("features") or []]
    matching = [f for f in held if f.get("key") == key]
    if not matching:
        return CheckOut(allowed=False, feature=key, reason="not_entitled")
    feature = max(matching, key=lambda f: int(f.get("limit") or 0))
    reason = access_refusal(ent, settings, now)
    kind = feature.get("kind", "boolean")
    out = CheckOut(allowed=reason is None, feature=key, reason=reason,
                   value=feature.get("value") if kind == "static" else None)
    if kind == "metered":
        period, resets_at = period_of(ent, now)
        limit, used = int(feature["limit"]), int(ent.get(used_name(key, period)) or 0)
        out.limit, out.used, out.remaining, out.resets_at = limit, used, max(0, limit - used), resets_at
        if out.allowed and used >= limit:
            out.allowed, out.reason = False, "limit_reached"
    return out


def access_refusal(ent: dict[str, Any], settings: dict[str, Any], now: datetime) -> str | None:
    """Why the user's subscriptions grant nothing now, or None when one of them grants access (issue 18, item 11:
    every live subscription counts, not the last changed). No subscription state at all refuses nothing."""
    live = tracked_subscriptions(ent)
    states = list(live.values()) or ([{"status": ent["sub_status"], "cancel_at": ent.get("cancel_at"),
                                       "past_due_since": ent.get("past_due_since")}] if ent.get("sub_status") else [])
    if not states:
        return None
    reasons = [_refusal(state, settings, now) for state in states]
    if None in reasons:
        return None
    shown = live.get(ent.get("sub_id") or "")
    return _refusal(shown, settings, now) if shown else reasons[0]


def _refusal(state: dict[str, Any], settings: dict[str, Any], now: datetime) -> str | None:
    status = state.get("status")
    if status in ENDED:
        return "subscription_inactive"
    if state.get("cancel_at") and state["cancel_at"] <= iso(now):
        return "subscription_ended"
    if status == "past_due" and state.get("past_due_since"):
        grace = timedelta(days=int(settings.get("past_due_grace_days", BillingSettings().past_due_grace_days)))
        if now > datetime.fromisoformat(state["past_due_since"].replace("Z", "+00:00")) + grace:
            return "past_due"
    return None


def held_keys(ent: dict[str, Any] | None, features: dict[str, dict[str, Any]]) -> list[str]:
    """The feature keys a user's held lookup keys stand for, once each."""
    return sorted({(features.get(lk) or {}).get("key", lk) for lk in (ent or {}).get("features") or []})


# ---------------------------------------------------------------------- catalog and settings (developers)


def get_billing_settings(caller: Principal, project_id: uuid.UUID, table: Table | None = None) -> BillingSettingsOut:
    item = owned_project(caller, project_id, table)
    return BillingSettingsOut(**billing_settings_of(item.get("config") or {}))


def put_billing_settings(caller: Principal, project_id: uuid.UUID, body: BillingSettings,
                         table: Table | None = None) -> BillingSettingsOut:
    table = table or default_table()
    item = owned_project(caller, project_id, table)
    if not item.get("config"):
        raise NotFound("Stripe not configured")
    config = {**item["config"], "billing": body.model_dump(), "updated_at": iso(utcnow())}
    saved = project_store.save_config(table, item["id"], config, item.get("version", 1))
    return BillingSettingsOut(**billing_settings_of(saved["config"]))


def catalog(table: Table, project_id: str, mode: str, fresh: bool = False) -> dict[str, dict[str, Any]]:
    """The project's features by key (one Query, cached per container for CATALOG_SECONDS)."""
    cached = None if fresh else _catalogs.get((project_id, mode))
    if cached is not None:
        return cached
    items = table.query_all("pk = :pk", {":pk": keys.features_partition(project_id, mode)}, newest_first=False)
    found = {item["lookup_key"]: item for item in items}
    _catalogs.put((project_id, mode), found)
    return found


def _feature_out(item: dict[str, Any]) -> FeatureOut:
    return FeatureOut(key=item["key"], lookup_key=item["lookup_key"], name=item["name"], kind=item["kind"],
                      limit=item.get("limit"), value=item.get("value"), stripe_feature_id=item["stripe_feature_id"],
                      meter_id=item.get("meter_id"), products=sorted(item.get("products") or []))


def create_feature(caller: Principal, project_id: uuid.UUID, test_mode: bool, body: FeatureRequest,
                   table: Table | None = None, gateway: StripeGateway | None = None) -> FeatureOut:
    """The feature in Stripe (an Entitlements feature with kind, key and limit in its metadata, so a feature managed
    in Stripe's dashboard reads the same), then in the catalog. A metered key also gets one Billing Meter (event
    name = key, shared by its limits), which the developer's metered prices point at."""
    table, gateway = table or default_table(), gateway or default_gateway()
    project, mode = owned_project(caller, project_id, table)["id"], _mode(test_mode)
    lookup = body.lookup_key or (f"{body.key}-{body.limit}" if body.kind == "metered" else body.key)
    if table.get(keys.feature(project, mode, lookup), consistent=True):
        raise Conflict(f"Feature '{lookup}' already exists")
    metadata = {"paykit_key": body.key, "paykit_kind": body.kind,
                **({"paykit_limit": str(body.limit)} if body.limit is not None else {}),
                **({"paykit_value": body.value} if body.value is not None else {})}
    idem = f"paykit-feature-{hashlib.sha256(f'{project}{mode}{lookup}'.encode()).hexdigest()}"
    meter_id = next((f.get("meter_id") for f in catalog(table, project, mode, fresh=True).values()
                     if f.get("key") == body.key and f.get("meter_id")), None)

    def create(c: Any) -> tuple[Any, str | None]:
        feature = c.v1.entitlements.features.create({"name": body.name, "lookup_key": lookup,
                                                     "metadata": metadata}, {"idempotency_key": idem})
        meter = meter_id
        if body.kind == "metered" and meter is None:
            meter = c.v1.billing.meters.create({
                "display_name": body.name, "event_name": body.key, "default_aggregation": {"formula": "sum"},
                "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
                "value_settings": {"event_payload_key": "value"}}, {"idempotency_key": f"{idem}-meter"}).id
        return feature, meter

    feature, meter = gateway.call(project, mode, create)
    item = {**keys.feature(project, mode, lookup), "type": "feature", "key": body.key, "lookup_key": lookup,
            "name": body.name, "kind": body.kind, "stripe_feature_id": feature.id, "products": [],
            **({"limit": body.limit} if body.limit is not None else {}),
            **({"value": body.value} if body.value is not None else {}),
            **({"meter_id": meter} if meter else {})}
    try:
        table.put(item, ConditionExpression="attribute_not_exists(pk)")
    except ConditionFailed as exc:
        raise Conflict(f"Feature '{lookup}' already exists") from exc
    catalog(table, project, mode, fresh=True)
    return _feature_out(item)


def list_features(caller: Principal, project_id: uuid.UUID, test_mode: bool,
                  table: Table | None = None) -> FeatureList:
    table = table or default_table()
    project = owned_project(caller, project_id, table)["id"]
    found = catalog(table, project, _mode(test_mode), fresh=True)
    return FeatureList(features=[_feature_out(found[k]) for k in sorted(found)])


def attach_feature(caller: Principal, project_id: uuid.UUID, product_id: str, feature_key: str, test_mode: bool,
                   attach: bool = True, table: Table | None = None,
                   gateway: StripeGateway | None = None) -> FeatureOut:
    """Attaches (or detaches) a feature to a Stripe product: Stripe's product features, mirrored in the catalog.
    Stripe then grants it to every customer subscribed to the product (the active entitlement summary)."""
    table, gateway = table or default_table(), gateway or default_gateway()
    project, mode = owned_project(caller, project_id, table)["id"], _mode(test_mode)
    item = table.get(keys.feature(project, mode, feature_key), consistent=True)
    if item is None:
        raise NotFound("Feature not found")

    def change(c: Any) -> None:
        attached = c.v1.products.features.list(product_id, {"limit": 100}).data
        existing = next((f for f in attached if f.entitlement_feature.id == item["stripe_feature_id"]), None)
        if attach and existing is None:
            c.v1.products.features.create(product_id, {"entitlement_feature": item["stripe_feature_id"]})
        elif not attach and existing is not None:
            c.v1.products.features.delete(product_id, existing.id)

    gateway.call(project, mode, change)
    products = set(item.get("products") or [])
    products = products | {product_id} if attach else products - {product_id}
    table.update(keys.feature(project, mode, feature_key), UpdateExpression="SET products = :p",
                 ExpressionAttributeValues={":p": sorted(products)})
    catalog(table, project, mode, fresh=True)
    return _feature_out({**item, "products": sorted(products)})


def user_usage(caller: Principal, project_id: uuid.UUID, user_id: str, test_mode: bool,
               table: Table | None = None) -> UserUsageOut:
    """A user's usage in their current period, per metered feature (one GetItem)."""
    table = table or default_table()
    project = owned_project(caller, project_id, table)["id"]
    ent = table.get(keys.entitlements(project, _mode(test_mode), user_id)) or {}
    period, _ = period_of(ent, utcnow())
    suffix = f"#{period}"
    usage = {name[len("used#"):-len(suffix)]: int(value) for name, value in ent.items()
             if name.startswith("used#") and name.endswith(suffix)}
    return UserUsageOut(user_id=user_id, period_start=period, usage=usage)


# ---------------------------------------------------------------------- end users


def _user_state(caller: Principal, test_mode: bool, table: Table) -> tuple[Scope, dict[str, Any] | None,
                                                                              dict[str, dict[str, Any]]]:
    """The gate, read fresh with the user's item in one call (decision 24), and the project's feature catalog."""
    scope, ent = scope_with(caller, test_mode, table, keys.entitlements)
    return scope, ent, catalog(table, scope.project_id, scope.mode)


def check(caller: Principal, test_mode: bool, feature_key: str, table: Table | None = None,
          now: datetime | None = None) -> CheckOut:
    table = table or default_table()
    scope, ent, features = _user_state(caller, test_mode, table)
    return evaluate(ent, feature_key, features, billing_settings_of(scope.config), now or utcnow())


def my_entitlements(caller: Principal, test_mode: bool, table: Table | None = None,
                    now: datetime | None = None) -> EntitlementsOut:
    table = table or default_table()
    scope, ent, features = _user_state(caller, test_mode, table)
    settings, now = billing_settings_of(scope.config), now or utcnow()
    return EntitlementsOut(features=[evaluate(ent, key, features, settings, now)
                                     for key in held_keys(ent, features)],
                           subscription_status=(ent or {}).get("sub_status"))


def record_usage(caller: Principal, test_mode: bool, body: UsageRequest, client_key: str | None,
                 table: Table | None = None, now: datetime | None = None) -> UsageOut:
    """Counts usage at once (for `check`) and queues its report to Stripe's Billing Meter, exactly once per
    Idempotency-Key (required: without it a retry after a lost answer would count twice). One transaction holds the
    key's marker (with the answer given), the counter, the report as an outbox item (paykit.outbox: the table's
    stream sends it) and a check that the configuration is still active. A retry of a counted key answers as the
    first did; a transaction that collides with another is sent again by the store (paykit.store.table) and read
    again here, then answered 503; nothing is sent after the write."""
    if not client_key:
        raise InvalidInput(("header", "Idempotency-Key"), "Usage needs an Idempotency-Key: a retry with the same key "
                           "counts once", "missing")
    table, now = table or default_table(), now or utcnow()
    for _ in range(_USAGE_ATTEMPTS):
        try:
            return _count_usage(caller, test_mode, body, client_key, table, now)
        except (TransactionConflict, _CounterMoved):
            continue  # another writer held or moved the user's counter: read it again
    raise ServiceUnavailable("Usage is busy for this user; retry with the same Idempotency-Key")


def _count_usage(caller: Principal, test_mode: bool, body: UsageRequest, client_key: str, table: Table,
                 now: datetime) -> UsageOut:
    scope, ent, features = _user_state(caller, test_mode, table)
    if not any(f.get("key") == body.feature and f.get("kind") == "metered" for f in features.values()):
        raise BadRequest(f"'{body.feature}' is not a metered feature of this project")
    settings = billing_settings_of(scope.config)
    verdict = evaluate(ent, body.feature, features, settings, now)
    if verdict.reason not in (None, "limit_reached"):
        raise Forbidden(f"Not entitled to '{body.feature}' ({verdict.reason})")
    raw = "\x1f".join([scope.project_id, scope.mode, scope.user_id, client_key])
    key_hash = hashlib.sha256(raw.encode()).hexdigest()
    marker_key = keys.usage_marker(scope.project_id, scope.mode, scope.user_id, key_hash)
    period, resets_at = period_of(ent or {}, now)
    counter, limit = used_name(body.feature, period), int(verdict.limit or 0)
    before = int((ent or {}).get(counter) or 0)
    if settings.get("hard_limits") and before + body.quantity > limit:
        marker = table.get(marker_key, consistent=True)  # a retry of a call counted before the limit was reached
        if marker is not None:
            return _replay(marker, body)
        raise Forbidden(f"Usage limit of '{body.feature}' reached ({limit} per period)")
    # ADD only onto the value read: the answer's `used` is then exact, and a hard limit holds under concurrency;
    # a counter another call moved meanwhile fails the condition and is read again.
    update: dict[str, Any] = {
        "Key": keys.entitlements(scope.project_id, scope.mode, scope.user_id),
        "UpdateExpression": "ADD #u :q", "ExpressionAttributeNames": {"#u": counter},
        "ConditionExpression": "attribute_not_exists(#u) OR #u = :before",
        "ExpressionAttributeValues": {":q": body.quantity, ":before": before},
    }
    used = before + body.quantity
    answer = UsageOut(feature=body.feature, quantity=body.quantity, used=used, limit=limit,
                      remaining=max(0, limit - used), resets_at=resets_at)
    identifier = f"paykit-{key_hash[:40]}"  # the meter event's identifier: Stripe counts it once
    marker = {**marker_key, "type": "usage_marker", "answer": answer.model_dump(), "identifier": identifier,
              "expires_at": int(now.timestamp()) + MARKER_DAYS * 86400}
    report = outbox.item("meter_event", scope.project_id, scope.mode, identifier, {
        "event_name": body.feature, "customer_id": (ent or {}).get("customer_id"), "value": body.quantity,
        "timestamp": int(now.timestamp())}, now.timestamp())
    try:
        table.transact([{"Put": {"Item": marker, "ConditionExpression": "attribute_not_exists(pk)"}},
                        {"Update": update}, report, _still_active(scope)])
    except ConditionFailed as exc:
        if exc.failed_at(0):  # this key was counted before: answer as then
            return _replay(table.get(marker_key, consistent=True) or {}, body)
        if exc.failed_at(3):
            raise NotFound("Stripe not configured") from exc  # deactivated (E7) since the read: nothing counted
        raise _CounterMoved() from exc
    return answer


class _CounterMoved(Exception):
    """Another call counted between this call's read and its write: nothing was written; read again."""


def _still_active(scope: Scope) -> dict[str, Any]:
    """The usage transaction's guard: the project's configuration is still active (E7 stops usage at once)."""
    return {"ConditionCheck": {"Key": keys.project(scope.project_id), "ConditionExpression": "config.is_active = :on",
                               "ExpressionAttributeValues": {":on": True}}}


def _replay(marker: dict[str, Any], body: UsageRequest) -> UsageOut:
    """The first answer to this Idempotency-Key, marked as a replay; the same key with another body is 422
    (decision 32)."""
    first = marker.get("answer") or {}
    if first.get("feature") != body.feature or int(first.get("quantity") or 0) != body.quantity:
        raise InvalidInput(("header", "Idempotency-Key"), "Idempotency-Key was already used with another body",
                           "idempotency_key_reused")
    return UsageOut(**{**first, "duplicate": True})
