"""The store speaks the domain: DynamoDB's answers, real (moto) and injected (the fault proxy), reach services as
paykit.store.errors, never as botocore's ClientError."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from paykit.errors import ServiceUnavailable
from paykit.store.errors import ConditionFailed, StoreError, Throttled, TransactionConflict, Unavailable
from paykit.store.table import TRANSACT_ATTEMPTS, default_table
from tests.faults.test_aws_faults import ATTEMPTS


def item(tag: str) -> dict:
    return {"pk": f"STORE#{tag}#{uuid.uuid4()}", "sk": "ITEM", "n": 1}


def create(record: dict) -> dict:
    return {"Put": {"Item": record, "ConditionExpression": "attribute_not_exists(pk)"}}


def test_a_false_condition_on_one_write_is_condition_failed(service_env):
    # Given an item that exists
    table, record = default_table(), item("single")
    table.put(record)
    # When it is created again only where none exists
    with pytest.raises(ConditionFailed) as raised:
        table.put(record, ConditionExpression="attribute_not_exists(pk)")
    # Then the store says so in its own words, with DynamoDB's code and no per-action reasons
    assert not isinstance(raised.value, ClientError)
    assert raised.value.code == "ConditionalCheckFailedException"
    assert raised.value.reasons == ()


def test_a_canceled_transaction_names_the_action_whose_condition_failed(service_env):
    # Given one new item and one that exists
    table, new, existing = default_table(), item("new"), item("existing")
    table.put(existing)
    # When one transaction creates both
    with pytest.raises(ConditionFailed) as raised:
        table.transact([create(new), create(existing)])
    # Then the second action is the one that failed, and nothing was written
    assert raised.value.reasons == ("None", "ConditionalCheckFailed")
    assert raised.value.failed_at(1) and not raised.value.failed_at(0)
    assert table.get({"pk": new["pk"], "sk": "ITEM"}, consistent=True) is None


def test_a_conflicting_transaction_is_sent_again_and_a_lasting_conflict_is_raised(faults):
    # Given DynamoDB refusing transactions for a conflict with another in-flight one
    conflict = {"code": "TransactionCanceledException",
                "extra": {"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]}}
    brief = faults.inject("dynamodb", "TransactWriteItems", TRANSACT_ATTEMPTS - 1, **conflict)
    # When a transaction is written: the store sends it again until it passes
    first, second = item("retried"), item("retried")
    default_table().transact([create(first), create(second)])
    assert brief.hits == TRANSACT_ATTEMPTS - 1
    assert default_table().get({"pk": first["pk"], "sk": "ITEM"}, consistent=True) is not None
    # When the conflict outlasts the store's attempts, it is raised: nothing was written
    lasting = faults.inject("dynamodb", "TransactWriteItems", TRANSACT_ATTEMPTS, **conflict)
    third = item("refused")
    with pytest.raises(TransactionConflict):
        default_table().transact([create(third)])
    assert lasting.hits == TRANSACT_ATTEMPTS
    assert default_table().get({"pk": third["pk"], "sk": "ITEM"}, consistent=True) is None


@pytest.mark.parametrize("injected, expected", [
    ({"code": "TransactionCanceledException",
      "extra": {"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]}}, TransactionConflict),
    ({"code": "TransactionConflictException"}, TransactionConflict),
    ({"code": "TransactionCanceledException",
      "extra": {"CancellationReasons": [{"Code": "ThrottlingError"}, {"Code": "None"}]}}, Throttled),
    ({"code": "ValidationException"}, StoreError),
])
def test_a_refused_transaction_is_translated_by_its_reason(faults, injected, expected):
    # Given DynamoDB refusing transactions for a reason (a conflict as long as the store tries again)
    faults.inject("dynamodb", "TransactWriteItems", TRANSACT_ATTEMPTS, **injected)
    # When a transaction is written
    with pytest.raises(StoreError) as raised:
        default_table().transact([create(item("refused")), create(item("refused"))])
    # Then the store's exception names the class of failure, and only throttling is "try later" (a 503)
    assert type(raised.value) is expected
    assert isinstance(raised.value, ServiceUnavailable) == (expected is Throttled)


@pytest.mark.parametrize("injected, expected", [
    ({"code": "ProvisionedThroughputExceededException"}, Throttled),
    ({"code": "InternalServerError", "status": 500}, Unavailable),
    ({"action": "drop"}, Unavailable),
])
def test_a_read_that_outlasts_botocores_retries_is_unavailable(faults, injected, expected):
    # Given DynamoDB failing every attempt botocore makes at a read
    fault = faults.inject("dynamodb", "GetItem", ATTEMPTS, **injected)
    # When an item is read
    with pytest.raises(Unavailable) as raised:
        default_table().get({"pk": "STORE#absent", "sk": "ITEM"})
    # Then every attempt was made and the store calls it unavailable: the API's 503 with Retry-After
    assert fault.hits == ATTEMPTS
    assert type(raised.value) is expected
    assert isinstance(raised.value, ServiceUnavailable)
