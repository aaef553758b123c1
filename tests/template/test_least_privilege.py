"""Each function's role allows only the actions it uses, on this stack's table and this stack's secrets."""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Iterator

import pytest

from local.template import SAM_FUNCTION, functions, load_template
from paykit.secrets import stripe_secret_name

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
NO_VALUE = {"Ref": "AWS::NoValue"}
SECRET_ARN_PREFIX = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:paykit/${AWS::StackName}/"
)
TABLE_RESOURCES = ({"Fn::GetAtt": ["PayKitTable", "Arn"]}, {"Fn::Sub": "${PayKitTable.Arn}/index/*"})
# Actions that have no resource-level permissions: the only ones allowed on Resource "*".
NO_RESOURCE_LEVEL_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}

EXPECTED_ACTIONS = {
    # Transactions are authorized per part (Put/Update/ConditionCheck): IAM has no dynamodb:TransactWriteItems.
    "projects": {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:Query",
        "secretsmanager:GetSecretValue",
    },
    "payments_overview": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "secretsmanager:GetSecretValue"},
    # A re-enabled config queues again the events parked while it was deactivated, and deletes their parking.
    "stripe_config": {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:Query",
        "dynamodb:BatchGetItem", "dynamodb:DeleteItem", "sqs:SendMessage",
        "secretsmanager:GetSecretValue", "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
        "secretsmanager:DescribeSecret", "secretsmanager:TagResource",
    },
    # Stripe signs the webhook instead of a bearer token: no JWT key. UpdateItem only for an oversized body.
    "webhook_receiver": {"dynamodb:GetItem", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue", "sqs:SendMessage"},
    # End users: Stripe keys read only; Put/Update only inside the customer-mapping and record transactions.
    # BatchGetItem: the event processor's one consistent read of an event's records (also when syncing).
    # DeleteItem: only Powertools' idempotency records (decision 32), under a dynamodb:LeadingKeys condition.
    "checkout": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                 "dynamodb:UpdateItem", "dynamodb:DeleteItem", "secretsmanager:GetSecretValue"},
    # `usage` (issue 14): the count, its marker, its report (an outbox item) and a check that the configuration is
    # still active in one transaction (ConditionCheckItem); nothing is sent after it.
    "my_subscription": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                        "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
                        "secretsmanager:GetSecretValue"},
    # The outbox (decision 33): the project's Stripe key to send each item; its DLQ for what kept failing (the
    # stream itself is read by the event source mapping, with SAM's stream read policy).
    "outbox_sender": {"secretsmanager:GetSecretValue", "sqs:SendMessage"},
    "event_processor": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
        "secretsmanager:GetSecretValue",
    },
    # Scheduled (issue 15): the producers only page an index into the work queue; the refresher keeps where its last
    # incremental pass started (GetItem/PutItem).
    "reconciler": {"dynamodb:Query", "sqs:SendMessage"},
    "stats_refresher": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "sqs:SendMessage"},
    # The worker: reconcile (each project's Stripe key, the receiver's send path and its big bodies), recount (Query,
    # drift corrections, names, the roll-up from the counters), resume a pass (SendMessage) or back a scope off, and
    # queue again what a re-enabling PUT left parked (deleting each parking once queued).
    "scope_worker": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:UpdateItem",
                     "dynamodb:PutItem", "dynamodb:DeleteItem", "secretsmanager:GetSecretValue", "sqs:SendMessage",
                     "sqs:ChangeMessageVisibility"},
    # The $default route: 404/405 from the route table in the layer; nothing beyond its logs and traces.
    "unrouted": set(),
}
# Functions that take no bearer token and so must not read the signing key.
UNAUTHENTICATED = {"webhook_receiver", "event_processor", "reconciler", "stats_refresher", "scope_worker",
                   "unrouted", "outbox_sender"}


def _alternatives(value: Any) -> Iterator[Any]:
    """Every value an expression can take across the branches of Fn::If (AWS::NoValue left out)."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _, when_true, when_false = value["Fn::If"]
        yield from _alternatives(when_true)
        yield from _alternatives(when_false)
    elif value != NO_VALUE:
        yield value


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _statements(logical_id: str) -> list[dict[str, Any]]:
    """Every statement a function's role can get: inline ones and the template's own managed policies.

    SAM policy templates and AWS managed policies are refused: their statements are not in this file to check.
    """
    properties = RESOURCES[logical_id]["Properties"]
    assert "Role" not in properties, f"{logical_id}: an explicit Role would bypass these checks"
    statements = []
    for policy in _as_list(properties.get("Policies", [])):
        for option in _alternatives(policy):
            if isinstance(option, dict) and "Statement" in option:
                statements += _as_list(option["Statement"])
            elif (
                isinstance(option, dict) and set(option) == {"Ref"}
                and RESOURCES.get(option["Ref"], {}).get("Type") == "AWS::IAM::ManagedPolicy"
            ):
                statements += _as_list(RESOURCES[option["Ref"]]["Properties"]["PolicyDocument"]["Statement"])
            else:
                pytest.fail(f"{logical_id}: policy {option!r} cannot be checked; write its statements in the template")
    return statements


def _allowed(logical_id: str) -> list[tuple[list[str], list[Any], dict[str, Any]]]:
    """(actions, every possible resource, statement) for each Allow statement."""
    allowed = []
    for statement in _statements(logical_id):
        assert "NotAction" not in statement and "NotResource" not in statement, statement
        if statement["Effect"] == "Allow":
            resources = [option for resource in _as_list(statement["Resource"]) for option in _alternatives(resource)]
            allowed.append((_as_list(statement["Action"]), resources, statement))
    return allowed


FUNCTION_IDS = [logical_id for logical_id, resource in RESOURCES.items() if resource["Type"] == SAM_FUNCTION]


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_no_function_is_allowed_wildcard_actions(logical_id):
    # Given every action a function's role allows
    actions = [action for statement_actions, _, _ in _allowed(logical_id) for action in statement_actions]

    # Then each names one API call: no "*", no "dynamodb:*", "secretsmanager:*" or "dynamodb:Get*" (and only a
    # function documented to need no AWS action has none)
    name = next(spec.name for spec in functions().values() if spec.logical_id == logical_id)
    assert actions or EXPECTED_ACTIONS.get(name) == set()
    assert not [action for action in actions if "*" in action], actions


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_wildcard_resources_only_for_actions_without_resource_level_permissions(logical_id):
    # Given the statements of a function's role
    for actions, resources, statement in _allowed(logical_id):
        # When one applies to every resource
        if "*" in resources:
            # Then it only holds actions that cannot be scoped, and PutMetricData is held to PayKit's namespace
            assert set(actions) <= NO_RESOURCE_LEVEL_ACTIONS, statement
            if "cloudwatch:PutMetricData" in actions:
                assert statement["Condition"]["StringEquals"]["cloudwatch:namespace"] == "PayKit", statement


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_dynamodb_access_is_limited_to_the_table_and_its_indexes(logical_id):
    # Given the DynamoDB statements of a function's role
    for actions, resources, statement in _allowed(logical_id):
        if any(action.startswith("dynamodb:") for action in actions):
            # Then they name this stack's table and its indexes only, and mix in no other service
            assert all(action.startswith("dynamodb:") for action in actions), statement
            assert resources and all(resource in TABLE_RESOURCES for resource in resources), statement
            # And a delete is held to the idempotency records' partitions (decision 32), or, for the configuration
            # and the worker that finishes its drain, to the parked events' (decision 24)
            if "dynamodb:DeleteItem" in actions:
                parked = logical_id in ("StripeConfigFunction", "ScopeWorkerFunction")
                leading = "PARKED#*" if parked else "IDEMPOTENCY#*"
                assert statement["Condition"] == {"ForAllValues:StringLike": {
                    "dynamodb:LeadingKeys": [leading]}}, statement


def _secret_resource_is_this_stacks(resource: Any) -> bool:
    if resource == {"Ref": "JwtSecretArn"}:  # the signing key the operator named at deploy time
        return True
    if isinstance(resource, dict) and set(resource) == {"Ref"}:
        secret = RESOURCES.get(resource["Ref"], {})
        return secret.get("Type") == "AWS::SecretsManager::Secret" and secret["Properties"]["Name"] == {
            "Fn::Sub": "paykit/${AWS::StackName}/jwt-signing-key"
        }
    return isinstance(resource, dict) and set(resource) == {"Fn::Sub"} and isinstance(resource["Fn::Sub"], str) and (
        resource["Fn::Sub"].startswith(SECRET_ARN_PREFIX) and len(resource["Fn::Sub"]) > len(SECRET_ARN_PREFIX)
    )


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_secrets_manager_access_stays_inside_the_stacks_secret_prefix(logical_id):
    # Given the Secrets Manager statements of a function's role
    for actions, resources, statement in _allowed(logical_id):
        if any(action.startswith("secretsmanager:") for action in actions):
            # Then every secret they reach is under paykit/<stack>/ (or is the signing key the operator gave)
            assert all(action.startswith("secretsmanager:") for action in actions), statement
            assert resources and all(_secret_resource_is_this_stacks(resource) for resource in resources), statement


@pytest.mark.parametrize("name", sorted(EXPECTED_ACTIONS))
def test_each_function_is_allowed_exactly_the_actions_it_uses(name):
    # Given a function of this issue
    logical_id = functions()[name].logical_id

    # When the actions of its role are collected
    actions = {action for statement_actions, _, _ in _allowed(logical_id) for action in statement_actions}

    # Then they are the documented ones: payments_overview only reads, only stripe_config touches Stripe secrets
    assert actions == EXPECTED_ACTIONS[name]


@pytest.mark.parametrize(
    "logical_id", [i for i in FUNCTION_IDS if i not in {functions()[n].logical_id for n in UNAUTHENTICATED}]
)
def test_every_function_with_bearer_auth_can_read_the_jwt_signing_key_in_hs256_mode(logical_id):
    # Given the policies of a function, as they are when the stack runs with AuthMode hs256
    policies = RESOURCES[logical_id]["Properties"]["Policies"]
    hs256_policies = [
        policy["Fn::If"][1]
        for policy in policies
        if isinstance(policy, dict) and policy.get("Fn::If", [None])[0] == "IsHs256"
    ]

    # Then one of them is the signing-key policy, which reads that one secret and nothing else
    assert {"Ref": "JwtSigningSecretReadPolicy"} in hs256_policies
    (statement,) = RESOURCES["JwtSigningSecretReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Resource"] == {
        "Fn::If": ["JwtSecretArnGiven", {"Ref": "JwtSecretArn"}, {"Ref": "JwtSigningSecret"}]
    }


def _stripe_secret_grants() -> list[str]:
    return [
        resource["Fn::Sub"]
        for actions, resources, _ in _allowed(functions()["stripe_config"].logical_id)
        if "secretsmanager:PutSecretValue" in actions
        for resource in resources
    ]


def _as_deployed(pattern: str, stack: str) -> str:
    return (
        pattern.replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "eu-west-1")
        .replace("${AWS::AccountId}", "123456789012").replace("${AWS::StackName}", stack)
    )


def test_stripe_config_may_write_the_secret_names_the_code_uses():
    # Given the ARN of a Stripe key secret as the paykit package names it (Secrets Manager appends -XXXXXX)
    name = stripe_secret_name("paykit/shop", "3f1c2b9e-1111-4e8e-9c39-0c1d2e3f4a5b", "live")
    arn = f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}-AbC123"

    # Then stripe_config's Secrets Manager grant covers it
    grants = [_as_deployed(pattern, "shop") for pattern in _stripe_secret_grants()]
    assert grants and any(fnmatchcase(arn, grant) for grant in grants), grants


def test_stripe_config_cannot_overwrite_the_jwt_signing_key_or_another_stacks_secrets():
    # Given the signing key of stack "shop" and a Stripe key secret of stack "other"
    signing_key = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paykit/shop/jwt-signing-key-AbC123"
    other_stack = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paykit/other/projects/p/live-AbC123"

    # Then stripe_config's write grant reaches neither: it could otherwise mint tokens or touch another tenant stack
    grants = [_as_deployed(pattern, "shop") for pattern in _stripe_secret_grants()]
    assert grants
    assert not any(fnmatchcase(signing_key, grant) or fnmatchcase(other_stack, grant) for grant in grants)


@pytest.mark.parametrize("name", sorted(UNAUTHENTICATED))
def test_functions_without_bearer_auth_cannot_read_the_jwt_signing_key(name):
    # Given a function that Stripe or SQS calls, never a user with a token
    policies = RESOURCES[functions()[name].logical_id]["Properties"]["Policies"]

    # Then the signing-key policy is not among its policies
    assert all("JwtSigningSecretReadPolicy" not in repr(policy) for policy in policies)


def test_the_receiver_may_only_send_to_the_webhook_queue():
    # Given the SQS statements of the receiver
    sqs = [(a, r) for a, r, _ in _allowed(functions()["webhook_receiver"].logical_id) if any("sqs:" in x for x in a)]

    # Then it sends to the webhook queue and nothing else
    assert sqs == [(["sqs:SendMessage"], [{"Fn::GetAtt": ["WebhookQueue", "Arn"]}])]


def test_the_outbox_sender_may_only_send_to_its_dead_letter_queue():
    sqs = [(a, r) for a, r, _ in _allowed(functions()["outbox_sender"].logical_id) if any("sqs:" in x for x in a)]
    assert sqs == [("sqs:SendMessage", [{"Fn::GetAtt": ["OutboxDeadLetterQueue", "Arn"]}])] or sqs == [
        (["sqs:SendMessage"], [{"Fn::GetAtt": ["OutboxDeadLetterQueue", "Arn"]}])]


def test_scheduled_work_may_only_send_to_the_work_queue_and_the_worker_also_to_the_webhook_queue():
    # Given the SQS statements of the two producers and of the worker
    def sqs_grants(name: str) -> set[tuple[str, str]]:
        return {(action, resource["Fn::GetAtt"][0]) for actions, resources, _ in _allowed(functions()[name].logical_id)
                for action in actions if action.startswith("sqs:") for resource in resources}

    # Then the producers send to the work queue only; the worker resumes and backs off there and re-queues
    # undelivered Stripe events through the webhook queue
    assert sqs_grants("reconciler") == sqs_grants("stats_refresher") == {("sqs:SendMessage", "WorkQueue")}
    assert sqs_grants("scope_worker") == {("sqs:SendMessage", "WorkQueue"), ("sqs:ChangeMessageVisibility", "WorkQueue"),
                                          ("sqs:SendMessage", "WebhookQueue")}
