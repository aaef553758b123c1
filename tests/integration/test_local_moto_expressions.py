"""The local moto's cached expression parsing answers exactly as moto's own parsers do, successes and errors alike."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from botocore.exceptions import ClientError

from local import moto_expressions
from local.aws_local import MotoAws

TABLE = "expressions"


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoAws]:
    aws = MotoAws().start()
    yield aws
    aws.stop()


def answer(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """What the caller sees: the response without its metadata, or the error's code, message and details."""
    try:
        reply = call()
    except ClientError as error:
        return {key: value for key, value in error.response.items() if key != "ResponseMetadata"}
    return {key: value for key, value in reply.items() if key != "ResponseMetadata"}


def scenario(ddb: Any) -> list[dict[str, Any]]:
    """Each expression PayKit's kind of code sends, passing and failing, twice with other values (the second time
    from the cache), and the malformed ones moto refuses."""
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    s = lambda v: {"S": v}  # noqa: E731
    n = lambda v: {"N": str(v)}  # noqa: E731
    out: list[dict[str, Any]] = []
    for round_ in range(2):
        pk = f"P#{round_}"
        key = {"pk": s(pk), "sk": s("REC")}
        put_new = dict(TableName=TABLE, ConditionExpression="attribute_not_exists(pk)",
                       Item={**key, "version": n(1), "status": s("active"), "tags": {"SS": ["a", "b"]}})
        out.append(answer(lambda: ddb.put_item(**put_new)))
        out.append(answer(lambda: ddb.put_item(**put_new, ReturnValuesOnConditionCheckFailure="ALL_OLD")))
        for version in (1, 7):  # the right version, then a stale one
            out.append(answer(lambda: ddb.update_item(
                TableName=TABLE, Key=key, ReturnValues="ALL_NEW",
                UpdateExpression="SET #status = :s, version = version + :one, seen = if_not_exists(seen, :now) "
                                 "ADD #c0 :c0, #c1 :c1 REMOVE tags",
                ConditionExpression="attribute_not_exists(version) OR version = :v",
                ExpressionAttributeNames={"#status": "status", "#c0": f"count#{round_}", "#c1": "amount#usd"},
                ExpressionAttributeValues={":s": s(f"past_due{round_}"), ":one": n(1), ":now": n(100 + round_),
                                           ":c0": n(2), ":c1": n(1900), ":v": n(version)})))
        out.append(answer(lambda: ddb.update_item(
            TableName=TABLE, Key={"pk": s(pk), "sk": s("NEW")}, ReturnValues="UPDATED_NEW",
            UpdateExpression="SET #type = :type, items = list_append(if_not_exists(items, :empty), :item)",
            ExpressionAttributeNames={"#type": "type"},
            ExpressionAttributeValues={":type": s("counters"), ":empty": {"L": []}, ":item": {"L": [n(round_)]}})))
        out.append(answer(lambda: ddb.transact_write_items(TransactItems=[
            {"ConditionCheck": {"TableName": TABLE, "Key": key, "ConditionExpression": "version = :v",
                                "ExpressionAttributeValues": {":v": n(2)}}},
            {"Update": {"TableName": TABLE, "Key": {"pk": s(pk), "sk": s("T")}, "UpdateExpression": "ADD total :a",
                        "ExpressionAttributeValues": {":a": n(5 + round_)}}}])))
        out.append(answer(lambda: ddb.transact_write_items(TransactItems=[
            {"ConditionCheck": {"TableName": TABLE, "Key": key, "ConditionExpression": "version = :v",
                                "ExpressionAttributeValues": {":v": n(99)}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Put": {"TableName": TABLE, "Item": {"pk": s(pk), "sk": s("U")},
                     "ConditionExpression": "attribute_not_exists(pk)"}}])))
        for prefix, low, high in (("RE", "A", "Z"), ("T", "S", "U")):
            out.append(answer(lambda: ddb.query(
                TableName=TABLE, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                ExpressionAttributeValues={":pk": s(pk), ":p": s(prefix)})))
            out.append(answer(lambda: ddb.query(
                TableName=TABLE, KeyConditionExpression="#pk = :pk AND sk BETWEEN :lo AND :hi",
                FilterExpression="attribute_exists(version) AND (#st IN (:a, :b) OR size(#st) > :len)",
                ProjectionExpression="sk, #st, version", ExpressionAttributeNames={"#pk": "pk", "#st": "status"},
                ExpressionAttributeValues={":pk": s(pk), ":lo": s(low), ":hi": s(high), ":a": s("active"),
                                           ":b": s(f"past_due{round_}"), ":len": n(3)})))
        out.append(answer(lambda: ddb.scan(
            TableName=TABLE, FilterExpression="NOT contains(sk, :x) AND begins_with(pk, :p)",
            ExpressionAttributeValues={":x": s("NEW"), ":p": s(pk)}, ProjectionExpression="pk, sk")))
        out.append(answer(lambda: ddb.delete_item(
            TableName=TABLE, Key={"pk": s(pk), "sk": s("T")}, ConditionExpression="total > :min",
            ExpressionAttributeValues={":min": n(5 + round_)}, ReturnValuesOnConditionCheckFailure="ALL_OLD")))
    # Refused expressions: moto's own messages, parsed or not, with values or without.
    bad_updates = [
        ("SET pk = :v", {":v": s("x")}, None),  # a key attribute
        ("SET a = :v, a = :w", {":v": n(1), ":w": n(2)}, None),  # overlapping paths
        ("SET a = :v SET b = :v", {":v": n(1)}, None),  # two SET clauses
        ("SET a = :missing", {":v": n(1)}, None),  # an unknown value, an unused one
        ("SET #x = :v", {":v": n(1)}, None),  # an unknown name
        ("SET a = a + :v", {":v": s("text")}, None),  # arithmetic on a string
        ("SET = :v", {":v": n(1)}, None),  # syntax
        ("SET a = :v", {":v": n(1)}, "b BETWEEN :v AND :null"),  # NULL bound
        ("SET a = :v", {":v": n(1)}, "a = :nowhere"),  # a condition's unknown value
    ]
    for update, values, condition in bad_updates:
        extra = {"ConditionExpression": condition} if condition else {}
        if condition and ":null" in condition:
            values = {**values, ":null": {"NULL": True}}
        out.append(answer(lambda: ddb.update_item(TableName=TABLE, Key={"pk": s("P#0"), "sk": s("REC")},
                                                  UpdateExpression=update, ExpressionAttributeValues=values,
                                                  **extra)))
    for condition, values in (("pk = :pk", {":pk": s("")}), ("sk = :s", {":s": s("REC")}),
                              ("pk = :pk AND begins_with(sk, :p)", {":pk": s("P#0"), ":p": s("")}),
                              ("pk = :pk AND sk = :s", {":pk": s("P#0")})):
        out.append(answer(lambda: ddb.query(TableName=TABLE, KeyConditionExpression=condition,
                                            ExpressionAttributeValues=values)))
    out.append(answer(lambda: ddb.get_item(TableName=TABLE, Key={"pk": s("P#0"), "sk": s("REC")},
                                           ProjectionExpression="version, version")))
    out.append(answer(lambda: ddb.scan(TableName=TABLE)))  # every item as both runs left it
    ddb.delete_table(TableName=TABLE)
    return out


def test_the_cached_parsers_answer_as_moto_does(moto: MotoAws) -> None:
    ddb = moto.client("dynamodb")
    moto_expressions.uninstall()
    try:
        own = scenario(ddb)
    finally:
        moto_expressions.install()
    caches = (moto_expressions._condition_tree, moto_expressions._update_tree, moto_expressions._key_condition,
              moto_expressions._projection)
    hits = [cache.cache_info().hits for cache in caches]
    cached = scenario(ddb)
    assert cached == own
    assert all(after > before for before, after in zip(hits, [cache.cache_info().hits for cache in caches]))
    errors = [a["Error"]["Code"] for a in own if "Error" in a]
    assert errors.count("ConditionalCheckFailedException") >= 4 and "TransactionCanceledException" in errors
    assert len(errors) >= 15, errors  # the refused expressions were refused, not accepted by both
