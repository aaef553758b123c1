"""Per-project Stripe configuration (E3, E5-E9): secrets in Secrets Manager, masked views in the project item."""
from __future__ import annotations

import time
import uuid
from typing import Any

from paykit.auth import Principal
from paykit.errors import Conflict, NotFound, PayKitError, StripeCredentialsInvalid, StripePermissionDenied
from paykit.models.common import iso, utcnow
from paykit.models.config import (
    CREDENTIAL_FIELDS,
    MODES,
    PATTERNS,
    ProjectPaymentConfig,
    ProjectPaymentConfigList,
    StripeConfigOut,
    StripeConfigRequest,
    ValidateCredentialsOut,
    WebhookUrlsOut,
    mask,
)
from paykit.secrets import SecretStore, default_secret_store, stripe_secret_name
from paykit.observability import logger
from paykit.services.projects import owned_project
from paykit.services.webhooks import WebhookReceiver, default_receiver
from paykit.settings import Settings, get_settings
from paykit.store import keys, projects as project_store
from paykit.store.errors import ConditionFailed, StoreError
from paykit.store.table import Table, default_table
from paykit.stripe_gateway import StripeGateway, default_gateway, run_mapped

KINDS = ("secret_key", "publishable_key", "webhook_secret")
_PUT_ATTEMPTS = 3
# How long the re-enabling PUT itself spends queueing parked events again (its function times out at 10 s); what
# is left, or a failed send, goes to the hourly reconcile pass, which drains every project still flagged.
INLINE_DRAIN_SECONDS = 3.0


def config_view(project_id: str, config: dict[str, Any]) -> StripeConfigOut:
    fields: dict[str, Any] = {}
    for mode in MODES:
        stored = config.get(mode, {})
        for kind in KINDS:
            fields[f"{mode}_{kind}_masked"] = stored.get(f"{kind}_masked")
        fields[f"has_{mode}_credentials"] = bool(stored.get("secret_key_masked"))
        fields[f"{mode}_configured_at"] = stored.get("configured_at")
    return StripeConfigOut(
        id=config["id"],
        project_id=project_id,
        is_active=config["is_active"],
        created_at=config["created_at"],
        updated_at=config.get("updated_at"),
        allowed_redirect_origins=config.get("allowed_redirect_origins", []),
        **fields,
    )


def get_config(caller: Principal, project_id: uuid.UUID, table: Table | None = None) -> StripeConfigOut | None:
    item = owned_project(caller, project_id, table)
    return config_view(item["id"], item["config"]) if item.get("config") else None


def put_config(
    caller: Principal,
    project_id: uuid.UUID,
    body: StripeConfigRequest,
    table: Table | None = None,
    secrets: SecretStore | None = None,
    settings: Settings | None = None,
    receiver: WebhookReceiver | None = None,
) -> StripeConfigOut:
    """Partial upsert (decision 19): omitted fields keep their value, null clears, {} changes no credential.

    Any PUT re-activates a deactivated config (the documented way back after DELETE), and starts queueing again the
    events parked while it was deactivated (decision 24): for a few seconds, then the hourly pass goes on. Secrets
    are written first and the masked view second, guarded by the item's version; a writer that loses a race merges
    again on top of the winner, so the secret and its masked view always end in the same state.
    """
    table, secrets, settings = table or default_table(), secrets or default_secret_store(), settings or get_settings()
    changes = {f: getattr(body, f) for f in body.model_fields_set if f in CREDENTIAL_FIELDS}
    for attempt in range(_PUT_ATTEMPTS):
        item = owned_project(caller, project_id, table)
        config = _apply(item, body, changes, secrets, settings, fresh=attempt > 0)
        try:
            saved = project_store.save_config(table, item["id"], config, item.get("version", 1))
        except Conflict:
            if attempt == _PUT_ATTEMPTS - 1:
                raise
            continue
        if saved.get("parked_events") and saved["config"].get("is_active"):
            try:  # the configuration is saved: a drain that fails or runs out of time is the hourly pass's to finish
                requeue_parked(table, receiver or default_receiver(), saved,
                               deadline=time.monotonic() + INLINE_DRAIN_SECONDS)
            except (PayKitError, StoreError) as exc:
                logger.warning("parked events left for the hourly pass", error=type(exc).__name__)
        return config_view(saved["id"], saved["config"])
    raise AssertionError("unreachable")


def drain_parked(table: Table, project_id: str, receiver: WebhookReceiver | None = None,
                 deadline: float | None = None) -> int:
    """The hourly pass' drain of one project still flagged (a re-enabling PUT that ran out of time or failed a
    send): its parked events queued again while its configuration is active. The number queued."""
    project = table.get(keys.project(project_id), consistent=True)
    if not project or not project.get("parked_events") or not (project.get("config") or {}).get("is_active"):
        return 0
    return requeue_parked(table, receiver or default_receiver(), project, deadline)


def requeue_parked(table: Table, receiver: WebhookReceiver, project: dict[str, Any],
                   deadline: float | None = None) -> int:
    """Events the processor parked while the config was deactivated go back to the queue; once none is left, the
    project's flag is cleared, only if no config write came since (a new deactivation may be parking again). Once
    the config is active nothing more is parked (the processor's flag update is guarded by the version), so a
    drain that finishes drains them all; one stopped by `deadline` or a failed send keeps the flag for the next."""
    queued, done = receiver.requeue_parked(project["id"], deadline=deadline)
    logger.info("parked events queued again", queued=queued, done=done)
    if done:
        try:
            table.update(keys.project(project["id"]), UpdateExpression="REMOVE parked_events",
                         ConditionExpression="version = :seen", ExpressionAttributeValues={":seen": project["version"]})
        except ConditionFailed:
            pass  # changed since: that write's own PUT (if it re-enables) drains what is parked by then
    return queued


def _apply(
    item: dict[str, Any],
    body: StripeConfigRequest,
    changes: dict[str, str | None],
    secrets: SecretStore,
    settings: Settings,
    fresh: bool,
) -> dict[str, Any]:
    now = iso(utcnow())
    existing = item.get("config")
    config: dict[str, Any] = dict(existing) if existing else {"id": str(uuid.uuid4()), "created_at": now}
    if existing:
        config["updated_at"] = now
    config["is_active"] = True
    if "allowed_redirect_origins" in body.model_fields_set:
        config["allowed_redirect_origins"] = body.allowed_redirect_origins or []
    for mode in MODES:
        mode_changes = {CREDENTIAL_FIELDS[f][1]: v for f, v in changes.items() if CREDENTIAL_FIELDS[f][0] == mode}
        if mode_changes:
            config[mode] = _write_mode_secret(item["id"], mode, dict(config.get(mode, {})), mode_changes, secrets,
                                              settings, fresh, now)
    return config


def _write_mode_secret(
    project_id: str,
    mode: str,
    masked: dict[str, Any],
    changes: dict[str, str | None],
    secrets: SecretStore,
    settings: Settings,
    fresh: bool,
    now: str,
) -> dict[str, Any]:
    name = stripe_secret_name(settings.secret_prefix, project_id, mode)
    stored_kinds = {k for k in KINDS if masked.get(f"{k}_masked")}
    if stored_kinds - changes.keys():  # some stored values survive: read them to merge
        if fresh:
            secrets.invalidate(name)
        values = secrets.get_json(name)
    else:
        values = {}
    for kind, value in changes.items():
        if value is None:
            values.pop(kind, None)
            masked.pop(f"{kind}_masked", None)
        else:
            values[kind] = value
            masked[f"{kind}_masked"] = mask(value)
    secrets.put_json(name, values, exists=bool(masked.get("stored")))
    masked["stored"] = True
    if any(v is not None for v in changes.values()):
        masked["configured_at"] = now
    if not any(masked.get(f"{k}_masked") for k in KINDS):
        masked.pop("configured_at", None)
    return masked


def delete_config(caller: Principal, project_id: uuid.UUID, table: Table | None = None) -> None:
    """Soft delete (E7): the config stays, inactive; secrets and records are kept; Stripe is not touched."""
    table = table or default_table()
    item = owned_project(caller, project_id, table)
    if not item.get("config"):
        raise NotFound("Stripe configuration not found")
    config = {**item["config"], "is_active": False, "updated_at": iso(utcnow())}
    project_store.save_config(table, item["id"], config, item.get("version", 1))


def webhook_urls(
    caller: Principal,
    project_id: uuid.UUID,
    request_base: str,
    table: Table | None = None,
    settings: Settings | None = None,
) -> WebhookUrlsOut:
    """Decision 22: the webhook Function URL when deployed, else the public API base (configured or this request's)."""
    settings = settings or get_settings()
    item = owned_project(caller, project_id, table)
    base = (settings.webhook_base_url or settings.public_api_base_url or request_base).rstrip("/")
    path = f"{base}/api/v1/payments/stripe/webhooks/{item['id']}"
    return WebhookUrlsOut(test_webhook_url=f"{path}/test", live_webhook_url=f"{path}/live")


def validate_credentials(
    caller: Principal,
    project_id: uuid.UUID,
    secret_key: str,
    is_test_mode: bool,
    table: Table | None = None,
    gateway: StripeGateway | None = None,
) -> ValidateCredentialsOut:
    """E9 / decision 21: one GET /v1/account with the key; stores nothing; a bad or mismatched key is valid=false."""
    owned_project(caller, project_id, table)
    mode = "test" if is_test_mode else "live"
    other = "live" if is_test_mode else "test"
    if PATTERNS[f"{other}_secret_key"].match(secret_key):
        return ValidateCredentialsOut(
            valid=False, message=f"A {other} key was provided but is_test_mode is {str(is_test_mode).lower()}"
        )
    if not PATTERNS[f"{mode}_secret_key"].match(secret_key):
        return ValidateCredentialsOut(valid=False, message=f"Invalid key format: expected sk_{mode}_ or rk_{mode}_")
    gateway = gateway or default_gateway()
    try:
        account = run_mapped(lambda: gateway.new_client(secret_key).v1.accounts.retrieve_current())
    except StripePermissionDenied:
        return ValidateCredentialsOut(
            valid=False, message=f"The key {mask(secret_key)} is restricted and lacks permission to read the account"
        )
    except StripeCredentialsInvalid:
        return ValidateCredentialsOut(valid=False, message=f"Invalid API key provided: {mask(secret_key)}")
    if mode == "live" and not getattr(account, "charges_enabled", True):
        return ValidateCredentialsOut(valid=False, message="The Stripe account is not verified: charges are disabled")
    return ValidateCredentialsOut(valid=True, message="Stripe credentials are valid")


def list_payment_configs(caller: Principal, table: Table | None = None) -> ProjectPaymentConfigList:
    """E3: every project of the developer with the state of its Stripe configuration (one Query)."""
    projects = []
    for item in project_store.list_for_developer(table or default_table(), caller.sub):
        config = item.get("config") or {}
        projects.append(
            ProjectPaymentConfig(
                id=item["id"],
                name=item["name"],
                description=item.get("description"),
                has_payment_config=bool(config),
                has_test_credentials=bool(config.get("test", {}).get("secret_key_masked")),
                has_live_credentials=bool(config.get("live", {}).get("secret_key_masked")),
                test_configured_at=config.get("test", {}).get("configured_at"),
                live_configured_at=config.get("live", {}).get("configured_at"),
                is_active=item["is_active"],
                created_at=item["created_at"],
            )
        )
    return ProjectPaymentConfigList(projects=projects, total=len(projects))
