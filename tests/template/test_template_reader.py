"""local/template.py: the one reader of template.yaml that the local stack and the tests build from."""
from __future__ import annotations

import re
import time
from typing import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local.template import (
    DYNAMODB_TABLE,
    TEMPLATE_PATH,
    Route,
    functions,
    http_routes,
    load_template,
    resources_of_type,
    table_definition,
    ttl_attribute,
)

EXPECTED_ROUTES = {
    Route("GET", "/api/v1/projects/", "projects"),
    Route("POST", "/api/v1/projects/", "projects"),
    Route("GET", "/api/v1/projects", "projects"),
    Route("POST", "/api/v1/projects", "projects"),
    Route("GET", "/api/v1/projects/{project_id}", "projects"),
    Route("GET", "/api/v1/payments/projects", "payments_overview"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/config", "stripe_config"),
    Route("PUT", "/api/v1/payments/stripe/projects/{project_id}/config", "stripe_config"),
    Route("DELETE", "/api/v1/payments/stripe/projects/{project_id}/config", "stripe_config"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/webhook-urls", "stripe_config"),
    Route("POST", "/api/v1/payments/stripe/projects/{project_id}/validate-credentials", "stripe_config"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/events", "stripe_config"),
    Route("POST", "/api/v1/payments/stripe/projects/{project_id}/events/{event_id}/replay", "stripe_config"),
    Route("POST", "/api/v1/payments/stripe/webhooks/{project_id}/{mode}", "webhook_receiver"),
    Route("GET", "/api/v1/payments/subscriptions", "payments_overview"),
    Route("GET", "/api/v1/payments/transactions", "payments_overview"),
    Route("GET", "/api/v1/payments/stats", "payments_overview"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/subscriptions", "stripe_config"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/payments", "stripe_config"),
    Route("POST", "/api/v1/payments/stripe/checkout-session", "checkout"),
    Route("GET", "/api/v1/payments/stripe/checkout-session/{session_id}", "checkout"),
    Route("GET", "/api/v1/payments/stripe/my-subscription", "my_subscription"),
    Route("GET", "/api/v1/payments/stripe/my-payments", "my_subscription"),
    Route("POST", "/api/v1/payments/stripe/customer-portal", "my_subscription"),
    Route("POST", "/api/v1/payments/stripe/cancel-subscription", "my_subscription"),
    Route("POST", "/api/v1/payments/stripe/update-subscription", "my_subscription"),
    Route("POST", "/api/v1/payments/stripe/resume-subscription", "my_subscription"),
    Route("POST", "/api/v1/payments/stripe/preview-subscription-update", "my_subscription"),
    # Issue 13: exports and the time series
    Route("GET", "/api/v1/payments/subscriptions/export", "payments_overview"),
    Route("GET", "/api/v1/payments/transactions/export", "payments_overview"),
    Route("GET", "/api/v1/payments/stats/timeseries", "payments_overview"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/subscriptions/export", "stripe_config"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/payments/export", "stripe_config"),
    # Issue 14: entitlements and usage
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/billing-settings", "stripe_config"),
    Route("PUT", "/api/v1/payments/stripe/projects/{project_id}/billing-settings", "stripe_config"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/features", "stripe_config"),
    Route("POST", "/api/v1/payments/stripe/projects/{project_id}/features", "stripe_config"),
    Route("POST", "/api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features", "stripe_config"),
    Route("DELETE", "/api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features/{feature_key}",
          "stripe_config"),
    Route("GET", "/api/v1/payments/stripe/projects/{project_id}/usage", "stripe_config"),
    Route("GET", "/api/v1/payments/stripe/my-entitlements", "my_subscription"),
    Route("GET", "/api/v1/payments/stripe/check", "my_subscription"),
    Route("POST", "/api/v1/payments/stripe/usage", "my_subscription"),
}

SHORT_TAGS_TEMPLATE = """\
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Or [!Condition NotProd, !Condition IsProd]]
Resources:
  Thing:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub ${AWS::StackName}-topic
      DisplayName: !If [IsProd, !Select [0, !Split [",", !Join [",", [a, b]]]], !FindInMap [M, k, v]]
      Tags:
        - Key: imported
          Value: !ImportValue shared-name
        - Key: arn
          Value: !GetAtt Other.Arn
        - Key: nested
          Value: !GetAtt [Other, Endpoint.Address]
        - Key: blob
          Value: !Base64 text
        - Key: cidr
          Value: !Select [0, !Cidr [10.0.0.0/16, 2, 8]]
        - Key: az
          Value: !Select [0, !GetAZs ""]
"""


def test_load_template_turns_short_tags_into_cloudformation_long_forms(tmp_path):
    # Given a template written with every short intrinsic tag
    path = tmp_path / "template.yaml"
    path.write_text(SHORT_TAGS_TEMPLATE, encoding="utf-8")

    # When it is loaded
    template = load_template(path)

    # Then each tag is the long form CloudFormation uses
    conditions = template["Conditions"]
    assert conditions["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert conditions["NotProd"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert conditions["Both"] == {
        "Fn::And": [{"Condition": "IsProd"}, {"Fn::Or": [{"Condition": "NotProd"}, {"Condition": "IsProd"}]}]
    }
    properties = template["Resources"]["Thing"]["Properties"]
    assert properties["TopicName"] == {"Fn::Sub": "${AWS::StackName}-topic"}
    assert properties["DisplayName"] == {
        "Fn::If": [
            "IsProd",
            {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [",", ["a", "b"]]}]}]},
            {"Fn::FindInMap": ["M", "k", "v"]},
        ]
    }
    tags = {tag["Key"]: tag["Value"] for tag in properties["Tags"]}
    assert tags == {
        "imported": {"Fn::ImportValue": "shared-name"},
        "arn": {"Fn::GetAtt": ["Other", "Arn"]},
        "nested": {"Fn::GetAtt": ["Other", "Endpoint.Address"]},
        "blob": {"Fn::Base64": "text"},
        "cidr": {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]},
        "az": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
    }


def test_load_template_gives_each_caller_its_own_copy():
    # Given a caller that changes the template it was given
    first = load_template()
    first["Resources"].clear()

    # When another caller loads it
    second = load_template()

    # Then that one sees the file's content
    assert "PayKitTable" in second["Resources"]


def test_load_template_reads_the_file_again_after_it_changes(tmp_path):
    # Given a template that has been read once
    path = tmp_path / "template.yaml"
    path.write_text("Resources: {A: {Type: AWS::SNS::Topic}}\n", encoding="utf-8")
    assert list(load_template(path)["Resources"]) == ["A"]

    # When the file changes
    time.sleep(0.01)
    path.write_text("Resources: {B: {Type: AWS::SNS::Topic}}\n", encoding="utf-8")

    # Then the next read sees the change
    assert list(load_template(path)["Resources"]) == ["B"]


def test_resources_of_type_returns_only_that_type():
    # When the log groups of the template are asked for
    log_groups = resources_of_type("AWS::Logs::LogGroup")

    # Then every one is a log group, and there is one per function plus the API's access log
    assert log_groups and {resource["Type"] for resource in log_groups.values()} == {"AWS::Logs::LogGroup"}
    assert len(log_groups) == len(functions()) + 1


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[object]:
    """A DynamoDB client talking to moto in server mode on a free loopback port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("dynamodb", endpoint_url=f"http://{host}:{port}")
    yield client
    server.stop()


def _described_indexes(description: dict) -> dict[str, tuple]:
    return {
        index["IndexName"]: (index["KeySchema"], index["Projection"])
        for index in description.get("GlobalSecondaryIndexes", [])
    }


def test_table_definition_creates_the_templates_table_in_moto(dynamodb):
    # Given the table resource of the template
    (table,) = resources_of_type(DYNAMODB_TABLE).values()
    properties = table["Properties"]

    # When a table is created from table_definition
    dynamodb.create_table(**table_definition("paykit-template-test"))
    description = dynamodb.describe_table(TableName="paykit-template-test")["Table"]

    # Then its keys, attributes, indexes and billing are the template's
    assert description["KeySchema"] == properties["KeySchema"]
    assert sorted(description["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]
    )
    assert _described_indexes(description) == {
        index["IndexName"]: (index["KeySchema"], index["Projection"]) for index in properties["GlobalSecondaryIndexes"]
    }
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_ttl_attribute_names_the_templates_ttl_and_moto_accepts_it(dynamodb):
    # Given a table created from the template
    dynamodb.create_table(**table_definition("paykit-ttl-test"))

    # When TTL is switched on with the template's attribute
    attribute = ttl_attribute()
    dynamodb.update_time_to_live(
        TableName="paykit-ttl-test", TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
    )

    # Then it is expires_at, and enabled
    assert attribute == "expires_at"
    ttl = dynamodb.describe_time_to_live(TableName="paykit-ttl-test")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_a_gsi_added_as_a_copy_of_the_gsi1_block_reaches_the_local_table(dynamodb, tmp_path):
    # Given the template with the next free gsiN added the documented way: a copy of the gsi1 block and its two
    # attributes
    source = TEMPLATE_PATH.read_text(encoding="utf-8")
    existing = {f"gsi{n}" for n in map(int, re.findall(r"- IndexName: gsi(\d+)\n", source))}
    added = f"gsi{len(existing) + 1}"
    block = re.search(r"( +)- IndexName: gsi1\n(?:\1  .*\n)+", source)
    attributes = re.search(r"( +)- \{AttributeName: gsi1pk.*\n\1- \{AttributeName: gsi1sk.*\n", source)
    assert block and attributes, "the gsi1 block and its attribute definitions are where the template documents them"
    source = source.replace(block.group(0), block.group(0) + block.group(0).replace("gsi1", added))
    source = source.replace(attributes.group(0), attributes.group(0) + attributes.group(0).replace("gsi1", added))
    path = tmp_path / "template.yaml"
    path.write_text(source, encoding="utf-8")

    # When the local table is created from it
    dynamodb.create_table(**table_definition("paykit-gsi2-test", path))
    description = dynamodb.describe_table(TableName="paykit-gsi2-test")["Table"]

    # Then both indexes exist with the same shape
    indexes = _described_indexes(description)
    assert set(indexes) == existing | {added}
    assert indexes[added] == (
        [{"AttributeName": f"{added}pk", "KeyType": "HASH"}, {"AttributeName": f"{added}sk", "KeyType": "RANGE"}],
        {"ProjectionType": "ALL"},
    )


def test_table_definition_refuses_a_template_without_exactly_one_table(tmp_path):
    # Given a template with no table
    path = tmp_path / "template.yaml"
    path.write_text("Resources: {Topic: {Type: AWS::SNS::Topic}}\n", encoding="utf-8")

    # When a table definition is asked for, then the reader says why it cannot give one
    with pytest.raises(LookupError, match="exactly one AWS::DynamoDB::Table"):
        table_definition("x", path)


def test_http_routes_lists_every_route_of_this_issue_with_its_function():
    # When the routes are read from the template
    routes = http_routes()

    # Then they are exactly the documented ones, each once
    assert set(routes) == EXPECTED_ROUTES
    assert len(routes) == len(set(routes))
    assert {"GET /api/v1/projects/{project_id}", "GET /api/v1/payments/projects"} <= {r.route_key for r in routes}


def test_functions_describe_each_function_as_deployed():
    # When the functions are read from the template
    specs = functions()

    # Then each is named by its directory, with the CamelCase logical id, handler, API timeout and literal env
    assert sorted(specs) == sorted(["projects", "payments_overview", "stripe_config", "webhook_receiver",
                                    "event_processor", "reconciler", "checkout", "my_subscription",
                                    "unrouted", "stats_refresher", "scope_worker", "outbox_sender"])
    for name, spec in specs.items():
        camel = "".join(part.capitalize() for part in name.split("_")) + "Function"
        assert spec.logical_id == camel
        assert spec.code_dir == TEMPLATE_PATH.parent / "functions" / name
        assert spec.handler == "app.lambda_handler"
        assert (spec.handler_module, spec.handler_function) == ("app", "lambda_handler")
        # API functions stay well inside API Gateway's 30 s; the processor has a sixth of the queue's visibility
        # (the scheduled producers page an index into the work queue: 300 s; the worker a sixth of its visibility)
        assert spec.timeout == {"event_processor": 30, "reconciler": 300, "stats_refresher": 300,
                                "scope_worker": 120, "outbox_sender": 30}.get(name, 10)
        assert spec.environment["POWERTOOLS_SERVICE_NAME"] == "paykit"
        assert spec.environment["POWERTOOLS_METRICS_NAMESPACE"] == "PayKit"
        assert "TABLE_NAME" not in spec.environment  # an intrinsic (!Ref): the local stack supplies its own


def test_functions_apply_globals_and_let_a_function_override_them(tmp_path):
    # Given a function that overrides the global timeout and adds and overrides environment variables
    path = tmp_path / "template.yaml"
    path.write_text(
        """\
Globals:
  Function:
    Timeout: 10
    Handler: app.lambda_handler
    Environment: {Variables: {A: global, B: global, C: !Ref Stage}}
Resources:
  SlowJobFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/slow_job
      Timeout: 60
      Environment: {Variables: {B: own, D: 1}}
      Events:
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
""",
        encoding="utf-8",
    )

    # When it is read
    (spec,) = functions(path).values()

    # Then the function's values win, globals fill the rest, and intrinsic values are left out
    assert (spec.name, spec.logical_id) == ("slow_job", "SlowJobFunction")
    assert (spec.timeout, spec.handler) == (60, "app.lambda_handler")
    assert dict(spec.environment) == {"A": "global", "B": "own", "D": "1"}
    assert spec.events["Nightly"]["Type"] == "Schedule"
    assert http_routes(path) == []
