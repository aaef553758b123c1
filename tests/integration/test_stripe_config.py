"""E3 and E5-E9 through the real handlers against moto server (DynamoDB, Secrets Manager) and the Stripe emulator."""
from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import JWT_SECRET, SECRET_PREFIX
from tests.support import HandlerClient, make_token


def cfg(project: dict) -> str:
    return f"/api/v1/payments/stripe/projects/{project['id']}/config"


def secret_of(moto_aws, project_id: str, mode: str) -> dict:
    value = moto_aws.client("secretsmanager").get_secret_value(SecretId=f"{SECRET_PREFIX}/projects/{project_id}/{mode}")
    return json.loads(value["SecretString"])


KEYS = {
    "test_secret_key": "sk_test_" + "a" * 20 + "AbCd",
    "test_publishable_key": "pk_test_" + "b" * 20 + "EfGh",
    "test_webhook_secret": "whsec_" + "c" * 28 + "IjKl",
    "live_secret_key": "sk_live_" + "d" * 20 + "wxyz",
}


def test_get_config_is_null_before_any_put(client: HandlerClient, dev_token: str, project: dict) -> None:
    reply = client.get(cfg(project), token=dev_token)
    assert reply.status == 200 and reply.text == "null"


def test_put_creates_the_config_with_masked_keys_and_secrets_only_in_secrets_manager(
    client: HandlerClient, dev_token: str, project: dict, moto_aws
) -> None:
    # When the developer sets test keys and a live key
    reply = client.put(cfg(project), token=dev_token, json_body=KEYS)
    # Then the config shows masks only, with status 200 even on create
    assert reply.status == 200, reply.text
    body = reply.json()
    assert body["test_secret_key_masked"] == "sk_test_...AbCd"
    assert body["test_publishable_key_masked"] == "pk_test_...EfGh"
    assert body["test_webhook_secret_masked"] == "whsec_...IjKl"
    assert body["live_secret_key_masked"] == "sk_live_...wxyz"
    assert body["live_publishable_key_masked"] is None and body["live_webhook_secret_masked"] is None
    assert body["has_test_credentials"] and body["has_live_credentials"] and body["is_active"]
    assert body["project_id"] == project["id"] and body["updated_at"] is None
    assert body["test_configured_at"] and body["live_configured_at"]
    for value in KEYS.values():
        assert value not in reply.text
    # And the secrets are in Secrets Manager, one per mode, and nowhere in DynamoDB
    assert secret_of(moto_aws, project["id"], "test") == {
        "secret_key": KEYS["test_secret_key"], "publishable_key": KEYS["test_publishable_key"],
        "webhook_secret": KEYS["test_webhook_secret"]}
    assert secret_of(moto_aws, project["id"], "live") == {"secret_key": KEYS["live_secret_key"]}
    items = moto_aws.client("dynamodb").scan(TableName="paykit-test")["Items"]
    dumped = json.dumps(items)
    for value in KEYS.values():
        assert value not in dumped
    # And GET shows the same view
    assert client.get(cfg(project), token=dev_token).json() == body


def test_put_is_a_partial_upsert_where_null_clears_and_empty_changes_nothing(
    client: HandlerClient, dev_token: str, project: dict, moto_aws
) -> None:
    client.put(cfg(project), token=dev_token, json_body=KEYS)
    # Omitted fields keep their values
    live_pk = "pk_live_" + "e" * 20 + "LIVE"
    after_add = client.put(cfg(project), token=dev_token, json_body={"live_publishable_key": live_pk}).json()
    assert after_add["test_secret_key_masked"] == "sk_test_...AbCd"
    assert after_add["live_publishable_key_masked"] == "pk_live_...LIVE"
    assert secret_of(moto_aws, project["id"], "live") == {"secret_key": KEYS["live_secret_key"], "publishable_key": live_pk}
    # An explicit null clears one field
    cleared = client.put(cfg(project), token=dev_token, json_body={"test_webhook_secret": None}).json()
    assert cleared["test_webhook_secret_masked"] is None and cleared["test_secret_key_masked"] == "sk_test_...AbCd"
    assert "webhook_secret" not in secret_of(moto_aws, project["id"], "test")
    # {} changes nothing
    same = client.put(cfg(project), token=dev_token, json_body={}).json()
    assert {k: v for k, v in same.items() if k != "updated_at"} == {
        k: v for k, v in cleared.items() if k != "updated_at"}
    # Clearing the secret key removes the mode's credentials
    none_left = client.put(cfg(project), token=dev_token, json_body={"live_secret_key": None,
                                                                  "live_publishable_key": None}).json()
    assert none_left["has_live_credentials"] is False and none_left["live_configured_at"] is None


@pytest.mark.parametrize(
    "field,value",
    [
        ("test_secret_key", "sk_live_" + "a" * 24),
        ("test_secret_key", "pk_test_" + "a" * 24),
        ("live_secret_key", "sk_test_" + "a" * 24),
        ("test_publishable_key", "pk_live_" + "a" * 24),
        ("live_webhook_secret", "wh_" + "a" * 24),
        ("test_secret_key", "sk_test_"),
        ("test_secret_key", "sk_test_abc def ghi jkl"),
    ],
)
def test_bad_key_format_is_422_and_writes_nothing(
    client: HandlerClient, dev_token: str, project: dict, field: str, value: str
) -> None:
    reply = client.put(cfg(project), token=dev_token, json_body={"test_publishable_key": KEYS["test_publishable_key"],
                                                                 field: value})
    assert reply.status == 422
    assert reply.json()["detail"][0]["msg"] == "Invalid key format"
    assert reply.json()["detail"][0]["loc"] == ["body", field]
    assert value not in reply.text
    assert client.get(cfg(project), token=dev_token).text == "null"


def test_restricted_keys_are_accepted_as_secret_keys(client: HandlerClient, dev_token: str, project: dict) -> None:
    reply = client.put(cfg(project), token=dev_token, json_body={"test_secret_key": "rk_test_" + "r" * 24 + "1234"})
    assert reply.status == 200 and reply.json()["test_secret_key_masked"] == "rk_test_...1234"


@pytest.mark.parametrize("body", [{"unknown": 1}, {"test_secret_key": 123}, {"allowed_redirect_origins": "x"}, []])
def test_wrong_types_and_unknown_fields_are_422(client: HandlerClient, dev_token: str, project: dict, body) -> None:
    assert client.put(cfg(project), token=dev_token, json_body=body).status == 422
    assert client.put(cfg(project), token=dev_token, raw_body="{not json").status == 422
    assert client.get(cfg(project), token=dev_token).text == "null"


def test_delete_deactivates_and_put_reactivates(client: HandlerClient, dev_token: str, project: dict) -> None:
    client.put(cfg(project), token=dev_token, json_body=KEYS)
    deleted = client.delete(cfg(project), token=dev_token)
    assert deleted.status == 204 and deleted.text == ""
    after = client.get(cfg(project), token=dev_token).json()
    assert after["is_active"] is False and after["test_secret_key_masked"] == "sk_test_...AbCd"
    assert client.put(cfg(project), token=dev_token, json_body={}).json()["is_active"] is True


def test_delete_without_config_is_404(client: HandlerClient, dev_token: str, project: dict) -> None:
    reply = client.delete(cfg(project), token=dev_token)
    assert reply.status == 404 and reply.json() == {"detail": "Stripe configuration not found"}


def test_config_routes_check_ownership_existence_and_ids(client: HandlerClient, project: dict) -> None:
    stranger = make_token(JWT_SECRET, "someone-else")
    missing = {"id": str(uuid.uuid4())}
    for method, suffix, body in (("GET", "config", None), ("PUT", "config", {}), ("DELETE", "config", None),
                                 ("GET", "webhook-urls", None),
                                 ("POST", "validate-credentials", {"secret_key": KEYS["test_secret_key"]})):
        path = f"/api/v1/payments/stripe/projects/{project['id']}/{suffix}"
        assert client.request(method, path, token=stranger, json_body=body).status == 403
        assert client.request(method, path.replace(project["id"], missing["id"]), token=stranger,
                              json_body=body).status == 404
        assert client.request(method, path.replace(project["id"], "nope"), token=stranger,
                              json_body=body).status == 422
        assert client.request(method, path, json_body=body).status == 401


def test_webhook_urls_use_the_public_base(client: HandlerClient, dev_token: str, project: dict) -> None:
    reply = client.get(f"/api/v1/payments/stripe/projects/{project['id']}/webhook-urls", token=dev_token)
    assert reply.status == 200
    base = f"https://api.example.test/api/v1/payments/stripe/webhooks/{project['id']}"
    assert reply.json() == {"test_webhook_url": f"{base}/test", "live_webhook_url": f"{base}/live"}


def validate(client: HandlerClient, token: str, project: dict, body: dict):
    return client.post(f"/api/v1/payments/stripe/projects/{project['id']}/validate-credentials", token=token,
                       json_body=body)


def test_validate_credentials_with_a_good_key(client, dev_token, project, stripe_account) -> None:
    reply = validate(client, dev_token, project, {"secret_key": stripe_account["test_secret_key"]})
    assert reply.status == 200
    assert reply.json() == {"valid": True, "message": "Stripe credentials are valid"}
    live = validate(client, dev_token, project, {"secret_key": stripe_account["live_secret_key"], "is_test_mode": False})
    assert live.json()["valid"] is True
    assert client.get(cfg(project), token=dev_token).text == "null"  # stores nothing


def test_validate_credentials_rejections_are_200_valid_false(client, dev_token, project, stripe_account) -> None:
    unknown = "sk_test_" + "z" * 24 + "9876"
    cases = [
        ({"secret_key": unknown}, "sk_test_...9876"),
        ({"secret_key": stripe_account["test_secret_key"], "is_test_mode": False}, "is_test_mode is false"),
        ({"secret_key": stripe_account["live_secret_key"]}, "is_test_mode is true"),
        ({"secret_key": "not-a-key"}, "Invalid key format"),
    ]
    for body, fragment in cases:
        reply = validate(client, dev_token, project, body)
        assert reply.status == 200
        assert reply.json()["valid"] is False and fragment in reply.json()["message"]
        assert body["secret_key"] not in reply.text or body["secret_key"] == "not-a-key"


def test_validate_credentials_body_is_validated(client, dev_token, project) -> None:
    for body in ({}, {"secret_key": ""}, {"secret_key": "sk_test_x", "is_test_mode": "maybe"},
                 {"secret_key": "sk_test_x", "other": 1}):
        assert validate(client, dev_token, project, body).status == 422


def test_payment_projects_list_config_state(client: HandlerClient, dev_token: str, project: dict) -> None:
    bare = client.post("/api/v1/projects/", token=dev_token, json_body={"name": "bare"}).json()
    client.put(cfg(project), token=dev_token, json_body={"test_secret_key": KEYS["test_secret_key"]})
    reply = client.get("/api/v1/payments/projects", token=dev_token)
    assert reply.status == 200
    body = reply.json()
    assert body["total"] == 2 and [p["id"] for p in body["projects"]] == [bare["id"], project["id"]]
    configured = body["projects"][1]
    assert list(configured) == ["id", "name", "description", "has_payment_config", "has_test_credentials",
                                "has_live_credentials", "test_configured_at", "live_configured_at", "is_active",
                                "created_at"]
    assert configured["has_payment_config"] and configured["has_test_credentials"]
    assert not configured["has_live_credentials"] and configured["live_configured_at"] is None
    assert body["projects"][0]["has_payment_config"] is False


def test_allowed_redirect_origins_are_normalised_shown_and_cleared(client, dev_token, project) -> None:
    body = {"allowed_redirect_origins": ["https://App.Example.com", "https://app.example.com/", "http://localhost:5173"]}
    shown = client.put(cfg(project), token=dev_token, json_body=body).json()["allowed_redirect_origins"]
    assert shown == ["http://localhost:5173", "https://app.example.com"]
    for bad in (["javascript:alert(1)"], ["https://user@evil.test"], ["https://a.test/path"], ["ftp://a.test"], [""]):
        assert client.put(cfg(project), token=dev_token, json_body={"allowed_redirect_origins": bad}).status == 422
    cleared = client.put(cfg(project), token=dev_token, json_body={"allowed_redirect_origins": None}).json()
    assert cleared["allowed_redirect_origins"] == []


def test_validate_credentials_reports_restricted_and_revoked_keys(client, dev_token, project, stripe_account,
                                                                  emulator) -> None:
    import requests

    # Given a restricted key without permission to read the account, and a revoked key
    restricted = requests.post(f"{emulator.url}/_emulator/keys", timeout=10, json={
        "account": stripe_account["id"], "mode": "test", "type": "restricted", "permissions": {"*": "none"}}).json()
    revoked = requests.post(f"{emulator.url}/_emulator/keys", timeout=10, json={
        "account": stripe_account["id"], "mode": "test", "type": "secret"}).json()["key"]
    requests.post(f"{emulator.url}/_emulator/keys/revoke", json={"key": revoked}, timeout=10).raise_for_status()
    # When both are validated / Then each is valid=false with its reason, the key masked
    denied = validate(client, dev_token, project, {"secret_key": restricted["key"]}).json()
    assert denied["valid"] is False and "restricted" in denied["message"] and restricted["key"] not in denied["message"]
    expired = validate(client, dev_token, project, {"secret_key": revoked}).json()
    assert expired == {"valid": False, "message": f"Invalid API key provided: sk_test_...{revoked[-4:]}"}
