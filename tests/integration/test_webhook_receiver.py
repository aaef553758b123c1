"""E13 receiver through the real handler against moto server: signature, project, mode, queueing (issue 5 checks)."""
from __future__ import annotations

import base64
import json
import os
import time
import uuid

import pytest

from local import lambda_host
from local.stripe_events import body_of, event, signature_header
from tests.support import HandlerClient

WHSEC = "whsec_" + "Q" * 32
LIVE_WHSEC = "whsec_" + "L" * 32


def url(project_id: str, mode: str = "test") -> str:
    return f"/api/v1/payments/stripe/webhooks/{project_id}/{mode}"


def drain(moto_aws) -> list[dict]:
    """Every message now in the webhook queue (received and deleted), as the receiver wrote them."""
    sqs, queue_url, found = moto_aws.client("sqs"), os.environ["QUEUE_URL"], []
    while True:
        out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                  AttributeNames=["All"])
        messages = out.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append({"body": json.loads(message["Body"]), "attributes": message["Attributes"]})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture()
def configured(client: HandlerClient, dev_token: str, project: dict, moto_aws) -> dict:
    """A project whose config holds a test key and test and live webhook secrets; the queue starts empty."""
    reply = client.put(f"/api/v1/payments/stripe/projects/{project['id']}/config", token=dev_token, json_body={
        "test_secret_key": "sk_test_" + "a" * 24, "test_webhook_secret": WHSEC,
        "live_secret_key": "sk_live_" + "b" * 24, "live_webhook_secret": LIVE_WHSEC})
    assert reply.status == 200, reply.text
    drain(moto_aws)
    return project


def a_event(livemode: bool = False, **kw) -> dict:
    return event("customer.subscription.updated",
                 {"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active"},
                 created=int(time.time()), livemode=livemode, **kw)


def post(client: HandlerClient, project_id: str, body: bytes, header: str | None, mode: str = "test", **kw):
    headers = {"stripe-signature": header} if header is not None else {}
    return client.post(url(project_id, mode), raw_body=body, headers=headers, **kw)


def test_a_signed_event_is_queued_and_acknowledged(client, configured, moto_aws):
    # Given a test event signed with the project's test webhook secret
    evt = a_event()
    body = body_of(evt)
    # When Stripe delivers it
    reply = post(client, configured["id"], body, signature_header(body, WHSEC))
    # Then it is acknowledged, and queued once with the event id as dedup id and the customer as message group
    assert (reply.status, reply.json()) == (200, {"received": True})
    (message,) = drain(moto_aws)
    assert message["body"]["event_id"] == evt["id"] and message["body"]["body"] == body.decode()
    assert message["body"]["project_id"] == configured["id"] and message["body"]["mode"] == "test"
    assert message["attributes"]["MessageDeduplicationId"] == evt["id"]
    assert message["attributes"]["MessageGroupId"] == f"{configured['id']}#test#cus_1"


def test_the_same_event_delivered_twice_is_queued_once(client, configured, moto_aws):
    body = body_of(a_event())
    for _ in range(2):
        assert post(client, configured["id"], body, signature_header(body, WHSEC)).status == 200
    assert len(drain(moto_aws)) == 1


@pytest.mark.parametrize("case", ["missing header", "bad signature", "tampered body", "wrong secret",
                                  "stale timestamp", "future timestamp", "no v1", "garbage header"])
def test_deliveries_that_fail_verification_are_400_and_not_queued(client, configured, moto_aws, case):
    # Given a delivery broken in one way
    body = body_of(a_event())
    now = int(time.time())
    header = {
        "missing header": None,
        "bad signature": f"t={now},v1={'0' * 64}",
        "tampered body": signature_header(body, WHSEC),
        "wrong secret": signature_header(body, "whsec_other"),
        "stale timestamp": signature_header(body, WHSEC, now - 301),
        "future timestamp": signature_header(body, WHSEC, now + 301),
        "no v1": f"t={now}",
        "garbage header": "nonsense",
    }[case]
    if case == "tampered body":
        body = body.replace(b'"active"', b'"canceled"')
    # When it arrives
    reply = post(client, configured["id"], body, header)
    # Then it is refused with 400 and nothing is queued
    assert reply.status == 400, reply.text
    assert reply.json()["detail"] in ("Missing Stripe-Signature header", "Invalid signature",
                                      "Timestamp outside the tolerance zone")
    assert WHSEC not in reply.text
    assert drain(moto_aws) == []


def test_timestamps_within_the_tolerance_either_way_are_accepted(client, configured, moto_aws):
    now = int(time.time())
    for offset in (-290, 290):
        body = body_of(a_event())
        assert post(client, configured["id"], body, signature_header(body, WHSEC, now + offset)).status == 200
    assert len(drain(moto_aws)) == 2


def test_a_header_with_several_v1_signatures_is_accepted_when_one_matches(client, configured, moto_aws):
    # Given a header signed with an old (rotated) secret as well as the current one
    body = body_of(a_event())
    old = signature_header(body, "whsec_old").split("v1=")[1]
    reply = post(client, configured["id"], body, signature_header(body, WHSEC, extra_v1=[old, "f" * 64]))
    assert reply.status == 200
    assert len(drain(moto_aws)) == 1


def test_a_base64_encoded_body_is_verified_on_its_decoded_bytes(client, configured, moto_aws):
    # Given a gateway that base64-encodes the body (a non-text content type)
    evt = a_event()
    body = body_of(evt)
    reply = client.post(url(configured["id"]), raw_body=body, headers={
        "content-type": "application/octet-stream", "stripe-signature": signature_header(body, WHSEC)})
    # Then the signature is checked on the raw bytes and the event is queued
    assert reply.status == 200, reply.text
    (message,) = drain(moto_aws)
    assert message["body"]["event_id"] == evt["id"]


def test_the_function_url_serves_the_same_path(service_env, configured, moto_aws):
    # Given a Lambda Function URL event (routeKey $default, the path in rawPath, base64 body)
    evt = a_event()
    body = body_of(evt)
    path = url(configured["id"])
    fn_url_event = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"stripe-signature": signature_header(body, WHSEC), "content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4",
                                    "userAgent": "Stripe/1.0"}, "domainName": "abc.lambda-url.us-east-1.on.aws",
                           "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
                           "accountId": "anonymous", "apiId": "abc", "timeEpoch": int(time.time() * 1000)},
        "body": base64.b64encode(body).decode(), "isBase64Encoded": True,
    }
    # When Stripe posts to the Function URL
    result = lambda_host.invoke("webhook_receiver", fn_url_event)
    # Then it is handled as on the API route
    assert result["statusCode"] == 200, result
    assert [m["body"]["event_id"] for m in drain(moto_aws)] == [evt["id"]]


def test_an_unknown_project_is_404(client, service_env, moto_aws):
    body = body_of(a_event())
    for project_id in (str(uuid.uuid4()), "not-a-uuid"):
        reply = post(client, project_id, body, signature_header(body, WHSEC))
        assert reply.status == 404
    assert drain(moto_aws) == []


def test_a_mode_other_than_test_or_live_is_404(client, configured, moto_aws):
    body = body_of(a_event())
    reply = post(client, configured["id"], body, signature_header(body, WHSEC), mode="prod")
    assert reply.status == 404
    assert drain(moto_aws) == []


def test_livemode_must_match_the_path_mode(client, configured, moto_aws):
    # Given a live event signed with the live secret but sent to the test path, and the converse
    live_body = body_of(a_event(livemode=True))
    test_body = body_of(a_event(livemode=False))
    # Then both are 400, and only the correct pairing is queued
    assert post(client, configured["id"], live_body, signature_header(live_body, WHSEC)).status == 400
    assert post(client, configured["id"], test_body, signature_header(test_body, LIVE_WHSEC), mode="live").status == 400
    assert post(client, configured["id"], live_body, signature_header(live_body, LIVE_WHSEC), mode="live").status == 200
    assert [m["body"]["mode"] for m in drain(moto_aws)] == ["live"]


def test_a_signed_body_that_is_not_an_event_is_400(client, configured, moto_aws):
    for body in (b"{not json", b"[1,2]", b'{"id": "evt_1"}'):
        assert post(client, configured["id"], body, signature_header(body, WHSEC)).status == 400
    assert drain(moto_aws) == []


def test_a_deactivated_config_is_404_stripe_not_configured(client, dev_token, configured, moto_aws):
    # Given a project whose config the developer deactivated (E7)
    assert client.delete(f"/api/v1/payments/stripe/projects/{configured['id']}/config", token=dev_token).status == 204
    body = body_of(a_event())
    # When Stripe delivers a correctly signed event
    reply = post(client, configured["id"], body, signature_header(body, WHSEC))
    # Then the receiver refuses it as documented (decision 11) and queues nothing
    assert (reply.status, reply.json()) == (404, {"detail": "Stripe not configured"})
    assert drain(moto_aws) == []


def test_a_project_without_a_webhook_secret_for_the_mode_is_404(client, dev_token, project, moto_aws):
    client.put(f"/api/v1/payments/stripe/projects/{project['id']}/config", token=dev_token,
               json_body={"test_secret_key": "sk_test_" + "a" * 24})
    body = body_of(a_event())
    reply = post(client, project["id"], body, signature_header(body, WHSEC))
    assert (reply.status, reply.json()) == (404, {"detail": "Stripe not configured"})
    assert drain(moto_aws) == []


def test_a_body_over_the_sqs_limit_is_stored_whole_and_queued_by_reference(client, configured, moto_aws):
    # Given a 300 KB event (over SQS's 256 KiB, under one DynamoDB item)
    evt = a_event()
    evt["data"]["object"]["metadata"] = {"blob": "x" * 300_000}
    body = body_of(evt)
    # When it is delivered
    reply = post(client, configured["id"], body, signature_header(body, WHSEC))
    # Then it is acknowledged, its body is in the event record, and the queue holds a reference
    assert reply.status == 200, reply.text
    (message,) = drain(moto_aws)
    assert message["body"]["stored"] is True and message["body"]["body"] is None
    item = moto_aws.client("dynamodb").get_item(
        TableName=os.environ["TABLE_NAME"],
        Key={"pk": {"S": f"EVENT#{configured['id']}#test#{evt['id']}"}, "sk": {"S": "EVENT"}})["Item"]
    assert item["body"]["S"] == body.decode()


def test_a_body_over_the_item_limit_is_413_and_not_queued(client, configured, moto_aws):
    evt = a_event()
    evt["data"]["object"]["metadata"] = {"blob": "x" * 400_000}
    body = body_of(evt)
    reply = post(client, configured["id"], body, signature_header(body, WHSEC))
    assert reply.status == 413
    assert drain(moto_aws) == []


def test_a_queue_failure_is_503_so_that_stripe_retries(client, configured, moto_aws, monkeypatch):
    # Given a queue that does not exist any more (SQS answers an error)
    from paykit.services.webhooks import default_receiver

    receiver = default_receiver()
    gone = receiver.settings.model_copy(update={"queue_url": os.environ["QUEUE_URL"] + "-gone"})
    monkeypatch.setattr(receiver, "settings", gone)
    body = body_of(a_event())
    # When an event arrives
    reply = post(client, configured["id"], body, signature_header(body, WHSEC))
    # Then the answer is 5xx (not 200), so Stripe delivers it again later
    assert reply.status == 503
    assert drain(moto_aws) == []
