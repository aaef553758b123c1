"""What template.yaml declares: Globals, the layer, the table, the HTTP API, log retention, auth modes and outputs."""
from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest

from local.template import TEMPLATE_PATH, default_route_function, functions, http_routes, load_template
from paykit.settings import Settings

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
GLOBAL_FUNCTION = TEMPLATE["Globals"]["Function"]
REPO_ROOT = TEMPLATE_PATH.parent


def test_globals_give_every_function_the_runtime_architecture_tracing_and_layer():
    # Given the Globals of the functions
    # Then they run Python 3.12 on arm64 with active tracing, the paykit layer and an API-sized timeout
    assert GLOBAL_FUNCTION["Runtime"] == "python3.12"
    assert GLOBAL_FUNCTION["Architectures"] == ["arm64"]
    assert GLOBAL_FUNCTION["Tracing"] == "Active"
    assert GLOBAL_FUNCTION["Layers"] == [{"Ref": "PayKitLayer"}]
    assert GLOBAL_FUNCTION["Timeout"] <= 15, "API functions must answer well inside API Gateway's 30 s"
    assert GLOBAL_FUNCTION["MemorySize"] >= 256


def test_globals_set_the_environment_the_service_reads():
    # Given the environment every function gets
    variables = GLOBAL_FUNCTION["Environment"]["Variables"]

    # Then it holds Powertools' settings and the service's configuration
    assert variables["POWERTOOLS_SERVICE_NAME"] == "paykit"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "PayKit"
    assert variables["TABLE_NAME"] == {"Ref": "PayKitTable"}
    assert variables["SECRET_PREFIX"] == {"Fn::Sub": "paykit/${AWS::StackName}"}
    assert {
        "POWERTOOLS_LOG_LEVEL", "AUTH_MODE", "JWT_SECRET_ARN", "JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE",
        "PUBLIC_API_BASE_URL", "STAGE",
    } <= set(variables)


def test_every_service_variable_the_template_sets_is_one_the_settings_model_reads():
    # Given the variables the template sets that are not Powertools' own
    variables = {name for name in GLOBAL_FUNCTION["Environment"]["Variables"] if not name.startswith("POWERTOOLS_")}
    for spec in functions().values():
        variables |= {name for name in spec.environment if not name.startswith("POWERTOOLS_")}

    # Then each is a field of paykit's Settings (a typo here would be silently ignored at run time)
    assert variables <= {field.upper() for field in Settings.model_fields}, variables - {
        field.upper() for field in Settings.model_fields
    }


def test_the_layer_is_built_by_sam_for_python_312_on_arm64_from_the_paykit_folder():
    # Given the layer resource
    layer = RESOURCES["PayKitLayer"]
    content = REPO_ROOT / layer["Properties"]["ContentUri"]

    # Then SAM builds it with pip for the functions' runtime and architecture, from the folder holding the package
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "python3.12", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleRuntimes"] == [GLOBAL_FUNCTION["Runtime"]]
    assert layer["Properties"]["CompatibleArchitectures"] == GLOBAL_FUNCTION["Architectures"]
    assert (content / "requirements.txt").is_file()
    assert (content / "paykit" / "__init__.py").is_file()


def test_the_table_keeps_its_data_and_is_on_demand_with_ttl_backups_and_encryption():
    # Given the table resource
    table = RESOURCES["PayKitTable"]
    properties = table["Properties"]

    # Then stack deletion or replacement keeps it, and it has the documented settings
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}
    ]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}


def test_every_gsi_has_the_gsi1_shape_and_its_keys_are_defined_strings():
    # Given the table's indexes and attribute definitions
    properties = RESOURCES["PayKitTable"]["Properties"]
    attributes = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    indexes = properties["GlobalSecondaryIndexes"]

    # Then each is gsiN on gsiNpk/gsiNsk projecting ALL, numbered from 1, and only key attributes are defined
    assert [index["IndexName"] for index in indexes] == [f"gsi{n}" for n in range(1, len(indexes) + 1)]
    for index in indexes:
        name = index["IndexName"]
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}pk", "KeyType": "HASH"}, {"AttributeName": f"{name}sk", "KeyType": "RANGE"}
        ]
        assert index["Projection"] == {"ProjectionType": "ALL"}
    keys = {"pk", "sk"} | {key["AttributeName"] for index in indexes for key in index["KeySchema"]}
    assert attributes == {key: "S" for key in keys}


def test_every_route_is_on_the_one_http_api_which_logs_and_throttles():
    # Given the HTTP API and every HttpApi event of the functions
    api = RESOURCES["PayKitHttpApi"]["Properties"]
    events = [
        event for spec in functions().values() for event in spec.events.values() if event["Type"] == "HttpApi"
    ]

    # Then no event makes SAM create an implicit API, the API has no authorizer (the functions verify tokens),
    # it throttles by default and writes JSON access logs to a log group with retention
    assert len(events) == len(http_routes()) + 1  # and the $default route (no Path, no Method)
    assert default_route_function() == "unrouted"
    assert all(event["Properties"]["ApiId"] == {"Ref": "PayKitHttpApi"} for event in events)
    assert "Auth" not in api
    assert api["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert api["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["PayKitHttpApiAccessLogGroup", "Arn"]}
    sample = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", api["AccessLogSettings"]["Format"]))
    assert {"requestId", "routeKey", "status"} <= set(sample)
    assert RESOURCES["PayKitHttpApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("name", list(functions()))
def test_every_function_has_a_log_group_with_the_stacks_retention(name):
    # Given a function
    logical_id = functions()[name].logical_id

    # When the log group named after it is looked for
    groups = [
        resource for resource in RESOURCES.values()
        if resource["Type"] == "AWS::Logs::LogGroup"
        and resource["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{logical_id}}}"}
    ]

    # Then there is exactly one, keeping logs for the LogRetentionDays parameter (30 days by default)
    assert len(groups) == 1
    assert groups[0]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert TEMPLATE["Parameters"]["LogRetentionDays"]["Default"] == 30


def _evaluate(condition: Any, parameters: dict[str, str]) -> bool:
    """CloudFormation's condition functions over parameter values."""
    if "Condition" in condition:
        return _evaluate(TEMPLATE["Conditions"][condition["Condition"]], parameters)
    (function, arguments), = condition.items()
    if function == "Fn::Equals":
        left, right = (parameters[a["Ref"]] if isinstance(a, dict) else a for a in arguments)
        return left == right
    if function == "Fn::Not":
        return not _evaluate(arguments[0], parameters)
    if function == "Fn::And":
        return all(_evaluate(argument, parameters) for argument in arguments)
    if function == "Fn::Or":
        return any(_evaluate(argument, parameters) for argument in arguments)
    raise AssertionError(f"unexpected condition function {function}")


def _resolve(value: Any, parameters: dict[str, str]) -> Any:
    """Fn::If and parameter Refs resolved; resource Refs are kept as they are."""
    if isinstance(value, dict) and "Fn::If" in value:
        name, when_true, when_false = value["Fn::If"]
        return _resolve(when_true if _evaluate({"Condition": name}, parameters) else when_false, parameters)
    if isinstance(value, dict) and value.get("Ref") in parameters:
        return parameters[value["Ref"]]
    return value


def _is_created(logical_id: str, parameters: dict[str, str]) -> bool:
    condition = RESOURCES[logical_id].get("Condition")
    return condition is None or _evaluate({"Condition": condition}, parameters)


GIVEN_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/jwt-AbC123"


@pytest.mark.parametrize(
    ("auth_mode", "secret_arn", "creates_secret", "expected_env", "readable"),
    [
        ("hs256", "", True, {"Ref": "JwtSigningSecret"}, {"Ref": "JwtSigningSecret"}),
        ("hs256", GIVEN_ARN, False, GIVEN_ARN, GIVEN_ARN),
        ("jwks", "", False, "", None),
    ],
    ids=["hs256-stack-creates-the-key", "hs256-operator-gives-the-key", "jwks-no-key"],
)
def test_auth_parameters_decide_which_signing_key_exists_and_who_reads_it(
    auth_mode, secret_arn, creates_secret, expected_env, readable
):
    # Given the deploy-time auth parameters
    parameters = {
        name: str(definition.get("Default", "")) for name, definition in TEMPLATE["Parameters"].items()
    } | {"AuthMode": auth_mode, "JwtSecretArn": secret_arn}

    # When the template's conditions are applied
    env = _resolve(GLOBAL_FUNCTION["Environment"]["Variables"]["JWT_SECRET_ARN"], parameters)
    policy_exists = _is_created("JwtSigningSecretReadPolicy", parameters)

    # Then the stack makes a key only when hs256 has none, the functions are told its ARN, and they may read it
    assert _is_created("JwtSigningSecret", parameters) is creates_secret
    assert env == expected_env
    assert policy_exists is (readable is not None)
    if readable is not None:
        (statement,) = RESOURCES["JwtSigningSecretReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        assert _resolve(statement["Resource"], parameters) == readable
    for spec in functions().values():
        attached = [_resolve(p, parameters) for p in RESOURCES[spec.logical_id]["Properties"]["Policies"]]
        # Stripe (receiver) and SQS (processor) send no bearer token: those functions never read the key
        bearer = spec.name not in ("webhook_receiver", "event_processor", "stats_refresher", "reconciler",
                                   "scope_worker", "unrouted", "outbox_sender")
        assert ({"Ref": "JwtSigningSecretReadPolicy"} in attached) is (policy_exists and bearer)


def test_the_generated_signing_key_is_a_64_character_secret_under_the_stacks_prefix():
    # Given the signing key the stack creates in hs256 mode
    secret = RESOURCES["JwtSigningSecret"]

    # Then it is named under the secret prefix the functions get, and generated at 64 characters
    assert secret["Condition"] == "CreateJwtSecret"
    assert secret["Properties"]["Name"] == {"Fn::Sub": "paykit/${AWS::StackName}/jwt-signing-key"}
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] == 64


def test_outputs_give_the_api_url_table_secret_prefix_and_layer():
    # Given the stack's outputs
    outputs = {name: output["Value"] for name, output in TEMPLATE["Outputs"].items()}

    # Then they name what a deployment needs to be used and operated
    assert outputs["ApiUrl"] == {"Fn::Sub": "https://${PayKitHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert outputs["TableName"] == {"Ref": "PayKitTable"}
    assert outputs["SecretPrefix"] == GLOBAL_FUNCTION["Environment"]["Variables"]["SECRET_PREFIX"]
    assert outputs["PayKitLayerArn"] == {"Ref": "PayKitLayer"}


def test_samconfig_deploys_the_paykit_stack_and_lints_on_validate():
    # Given samconfig.toml
    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    default = config["default"]
    deploy = default["deploy"]["parameters"]

    # Then the default profile deploys stack "paykit" with a managed bucket and a confirmed change set,
    # builds cached and in parallel, and `sam validate` lints
    assert config["version"] == 0.1
    assert default["global"]["parameters"]["stack_name"] == "paykit"
    assert (deploy["resolve_s3"], deploy["capabilities"], deploy["confirm_changeset"]) == (True, "CAPABILITY_IAM", True)
    assert default["build"]["parameters"] == {"cached": True, "parallel": True}
    assert default["validate"]["parameters"] == {"lint": True}
    # and every parameter override names a template parameter
    overridden = {pair.split("=", 1)[0] for pair in deploy["parameter_overrides"].split()}
    assert overridden and overridden <= set(TEMPLATE["Parameters"])


# ---------------------------------------------------------------- alarms (issue 7)

ALARMS = {logical_id: resource for logical_id, resource in RESOURCES.items()
          if resource["Type"] == "AWS::CloudWatch::Alarm"}


def _alarms_on(namespace: str, metric: str) -> list[dict[str, Any]]:
    return [alarm["Properties"] for alarm in ALARMS.values()
            if (alarm["Properties"]["Namespace"], alarm["Properties"]["MetricName"]) == (namespace, metric)]


def test_every_alarm_notifies_the_alarm_topic_and_treats_no_traffic_as_healthy():
    # Given the stack's alarms
    assert ALARMS

    # Then each one publishes its ALARM and OK transitions to the topic and stays OK without data
    for logical_id, alarm in ALARMS.items():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert properties["TreatMissingData"] == "notBreaching", logical_id
        assert "Condition" not in alarm, f"{logical_id}: alarms exist with or without an alarm email"


@pytest.mark.parametrize("name", list(functions()))
def test_every_function_has_an_errors_alarm_at_the_first_error(name):
    # Given a function
    logical_id = functions()[name].logical_id

    # When the alarms on Lambda's Errors metric are looked for
    alarms = [alarm for alarm in _alarms_on("AWS/Lambda", "Errors")
              if alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": logical_id}}]]

    # Then there is exactly one, firing on any error in five minutes
    assert len(alarms) == 1
    (alarm,) = alarms
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 300


@pytest.mark.parametrize(("queue", "dlq"), [("WebhookQueue", "WebhookDeadLetterQueue"),
                                           ("WorkQueue", "WorkDeadLetterQueue")])
def test_a_message_in_a_dlq_raises_an_alarm(queue, dlq):
    # Given the alarm on the DLQ's visible messages
    (alarm,) = [alarm for alarm in _alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible")
                if alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]]

    # Then it watches the dead-letter queue of the queue and fires at the first message
    dlq_arn = RESOURCES[queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
    assert dlq_arn == {"Fn::GetAtt": [dlq, "Arn"]}
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Maximum", 0, "GreaterThanThreshold")


def test_a_stalled_event_processor_raises_an_alarm_before_stripe_gives_up():
    # Given the alarm on the age of the webhook queue's oldest message
    (alarm,) = _alarms_on("AWS/SQS", "ApproximateAgeOfOldestMessage")
    retention = RESOURCES["WebhookQueue"]["Properties"]["MessageRetentionPeriod"]

    # Then it watches the webhook queue and fires long before a message could expire from it
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["WebhookQueue", "QueueName"]}}]
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    # a poison event is received 5 times (visibility 180 s) before the DLQ: that much age is not yet a stall
    assert 5 * RESOURCES["WebhookQueue"]["Properties"]["VisibilityTimeout"] <= alarm["Threshold"] < retention / 100


def test_5xx_answers_of_the_api_and_of_the_receivers_function_url_raise_alarms():
    # Given the alarms on 5xx answers
    (api,) = _alarms_on("AWS/ApiGateway", "5xx")
    (url,) = _alarms_on("AWS/Lambda", "Url5xxCount")

    # Then one watches the HTTP API's default stage, the other the Function URL Stripe is pointed at
    assert api["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "PayKitHttpApi"}},
                                 {"Name": "Stage", "Value": "$default"}]
    assert url["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "WebhookReceiverFunction"}}]
    for alarm in (api, url):
        assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 0)


@pytest.mark.parametrize("metric", ["ReadThrottleEvents", "WriteThrottleEvents"])
def test_throttled_table_reads_and_writes_raise_alarms(metric):
    # Given the alarm on the table's throttled requests of one kind
    (alarm,) = _alarms_on("AWS/DynamoDB", metric)

    # Then it watches the PayKit table and fires at the first throttle
    assert alarm["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "PayKitTable"}}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")


@pytest.mark.parametrize(("email", "subscribed"), [("", False), ("ops@example.com", True)],
                         ids=["no-email", "email"])
def test_the_alarm_email_parameter_only_decides_the_subscription(email, subscribed):
    # Given the deploy-time parameters with or without an alarm email
    parameters = {
        name: str(definition.get("Default", "")) for name, definition in TEMPLATE["Parameters"].items()
    } | {"AlarmEmail": email}
    assert re.fullmatch(TEMPLATE["Parameters"]["AlarmEmail"]["AllowedPattern"], email)

    # Then the topic and the alarms exist either way, and the address is subscribed only when given
    assert _is_created("AlarmTopic", parameters)
    assert all(_is_created(logical_id, parameters) for logical_id in ALARMS)
    assert _is_created("AlarmEmailSubscription", parameters) is subscribed
    subscription = RESOURCES["AlarmEmailSubscription"]["Properties"]
    assert (subscription["TopicArn"], subscription["Protocol"], subscription["Endpoint"]) == (
        {"Ref": "AlarmTopic"}, "email", {"Ref": "AlarmEmail"})
    assert TEMPLATE["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
