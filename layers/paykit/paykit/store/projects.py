"""Project items: one item per project holding the registry fields and the masked Stripe configuration."""
from __future__ import annotations

from typing import Any


from paykit.errors import Conflict, Forbidden
from paykit.store import keys
from paykit.store.errors import ConditionFailed
from paykit.store.table import Table


def create(table: Table, item: dict[str, Any], max_projects: int) -> None:
    """Puts a new project and counts it on the developer's item, in one transaction bounded by the limit."""
    owner = item["owner_id"]
    try:
        table.transact(
            [
                {"Put": {"Item": {**keys.project(item["id"]), **keys.project_gsi1(owner, item["created_at"], item["id"]),
                                  "type": "project", "version": 1, **item},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Update": {"Key": keys.developer(owner),
                            # gsi1: the list of all developers the stats refresher walks (no Scan).
                            "UpdateExpression": "SET project_count = if_not_exists(project_count, :zero) + :one, "
                                                "#type = :type, gsi1pk = :devs, gsi1sk = :owner",
                            "ConditionExpression": "attribute_not_exists(project_count) OR project_count < :limit",
                            "ExpressionAttributeNames": {"#type": "type"},
                            "ExpressionAttributeValues": {":zero": 0, ":one": 1, ":limit": max_projects,
                                                          ":type": "developer",
                                                          ":devs": keys.developers_gsi(), ":owner": owner}}},
            ]
        )
    except ConditionFailed as exc:
        if exc.failed_at(1):
            raise Forbidden(f"Project limit reached ({max_projects} projects per developer)") from exc
        raise Conflict("Project already exists") from exc


def get(table: Table, project_id: str) -> dict[str, Any] | None:
    return table.get(keys.project(project_id))


def list_for_developer(table: Table, owner_id: str) -> list[dict[str, Any]]:
    """Newest first, every page of the developer's projects (their number is bounded by the per-developer limit)."""
    return list(
        table.query_all(
            "gsi1pk = :pk", {":pk": keys.developer_projects_gsi(owner_id)}, index=keys.GSI1, newest_first=True
        )
    )


def save_config(table: Table, project_id: str, config: dict[str, Any], expected_version: int) -> dict[str, Any]:
    """Replaces the masked config map, guarded by the item's version so concurrent PUTs never interleave.

    The item is in the sparse active-config index exactly while the config is active with a secret key in some mode.
    """
    values: dict[str, Any] = {":config": config, ":next": expected_version + 1, ":expected": expected_version}
    if config.get("is_active") and any((config.get(m) or {}).get("secret_key_masked") for m in ("test", "live")):
        index = keys.active_config_gsi2(project_id)
        listing = ", gsi2pk = :gpk, gsi2sk = :gsk"
        values.update({":gpk": index["gsi2pk"], ":gsk": index["gsi2sk"]})
    else:
        listing = " REMOVE gsi2pk, gsi2sk"
    try:
        return table.update(
            keys.project(project_id),
            UpdateExpression=f"SET config = :config, version = :next{listing}",
            ConditionExpression="version = :expected",
            ExpressionAttributeValues=values,
        )
    except ConditionFailed as exc:
        raise Conflict("The configuration was changed concurrently; retry the request") from exc
