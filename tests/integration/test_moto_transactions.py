"""The local stack's TransactWriteItems (item-level undo instead of moto's whole-table copy) stays all-or-nothing."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

TABLE = "paykit-transactions"


@pytest.fixture(scope="module")
def dynamodb(moto_aws):
    moto_aws.create_table(TABLE)
    return moto_aws.client("dynamodb")


def key(name: str) -> dict:
    return {"pk": {"S": name}, "sk": {"S": "ITEM"}}


def get(dynamodb, name: str) -> dict | None:
    return dynamodb.get_item(TableName=TABLE, Key=key(name), ConsistentRead=True).get("Item")


def put(name: str, n: int, condition: str | None = None) -> dict:
    body = {"TableName": TABLE, "Item": {**key(name), "n": {"N": str(n)}}}
    return {"Put": {**body, "ConditionExpression": condition} if condition else body}


def increment(name: str) -> dict:
    return {"Update": {"TableName": TABLE, "Key": key(name), "UpdateExpression": "ADD n :one",
                       "ExpressionAttributeValues": {":one": {"N": "1"}}}}


def test_a_failed_condition_cancels_every_write_with_its_reasons(dynamodb):
    # Given an existing item and the name of one that does not exist
    existing, new, missing = (f"{tag}-{uuid.uuid4()}" for tag in ("a", "b", "c"))
    dynamodb.put_item(TableName=TABLE, Item={**key(existing), "n": {"N": "1"}})
    # When one transaction updates the first in place, creates the second and checks a missing third
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=[
            increment(existing), put(new, 7),
            {"ConditionCheck": {"TableName": TABLE, "Key": key(missing),
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    # Then it is canceled with one reason per action, and neither write happened
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in raised.value.response["CancellationReasons"]] == ["None", "None",
                                                                                  "ConditionalCheckFailed"]
    assert get(dynamodb, existing)["n"] == {"N": "1"}
    assert get(dynamodb, new) is None


def test_a_validation_error_after_applied_actions_undoes_them(dynamodb):
    # Given an existing item
    existing, new = f"a-{uuid.uuid4()}", f"b-{uuid.uuid4()}"
    dynamodb.put_item(TableName=TABLE, Item={**key(existing), "n": {"N": "1"}})
    # When a transaction replaces it, creates another and then names the first one again (invalid)
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=[put(existing, 5), put(new, 6), increment(existing)])
    # Then DynamoDB's validation error is raised and the table is as before
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert get(dynamodb, existing)["n"] == {"N": "1"}
    assert get(dynamodb, new) is None


def test_a_transaction_whose_conditions_hold_applies_every_action(dynamodb):
    # Given an existing item
    existing, new = f"a-{uuid.uuid4()}", f"b-{uuid.uuid4()}"
    dynamodb.put_item(TableName=TABLE, Item={**key(existing), "n": {"N": "1"}})
    # When a transaction updates it and creates another under attribute_not_exists
    dynamodb.transact_write_items(TransactItems=[increment(existing), put(new, 3, "attribute_not_exists(pk)")])
    # Then both writes are stored
    assert get(dynamodb, existing)["n"] == {"N": "2"}
    assert get(dynamodb, new)["n"] == {"N": "3"}
    # And the same creation again is canceled, leaving the updated item alone
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[increment(existing), put(new, 4, "attribute_not_exists(pk)")])
    assert get(dynamodb, existing)["n"] == {"N": "2"}
    assert get(dynamodb, new)["n"] == {"N": "3"}
