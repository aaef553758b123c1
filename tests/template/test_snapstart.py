"""SnapStart in the template: the functions that serve requests resume from snapshots of a published version, and
every event source invokes that version's alias (SAM's own transform shows where each event points)."""
from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from local.template import functions, load_template
from tests.template.cli import REPO_ROOT

ALIAS = "live"
SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
# Scheduled hourly and unattended (the worker runs only what the schedules enqueue): no one waits on their cold
# start, and a cached snapshot is billed.
# Functions nobody waits on (the schedules, the work queue, the outbox's stream): no cached snapshot to pay for.
SCHEDULED_ONLY = {"ReconcilerFunction", "StatsRefresherFunction", "ScopeWorkerFunction", "OutboxSenderFunction"}

# The SAM translator as `sam validate --lint` runs it, offline: local code paths become placeholder S3 URIs.
TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform
class NoManagedPolicies:
    def load(self):
        return {}
template = json.load(sys.stdin)
for resource in template["Resources"].values():
    for key in ("CodeUri", "ContentUri"):
        if isinstance(resource.get("Properties", {}).get(key), str):
            resource["Properties"][key] = "s3://bucket/" + resource["Properties"][key].strip("/")
print(json.dumps(transform(template, {}, NoManagedPolicies())))
"""


def effective(name: str, prop: str) -> Any:
    template = load_template()
    own = template["Resources"][name]["Properties"]
    return own[prop] if prop in own else template["Globals"]["Function"].get(prop)


@pytest.fixture(scope="module")
def transformed(sam_env) -> dict[str, dict[str, Any]]:
    if not SAM_PYTHON.exists():
        pytest.skip("AWS SAM CLI venv missing: run `make test` (it installs .venv-sam from requirements-sam.txt)")
    result = subprocess.run([SAM_PYTHON, "-c", TRANSLATE], input=json.dumps(load_template()), capture_output=True,
                            text=True, env={**sam_env, "AWS_DEFAULT_REGION": "us-east-1"}, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["Resources"]


def alias_of(function: str) -> str:
    return f"{function}Alias{ALIAS}"


def logical_ids() -> list[str]:
    return [spec.logical_id for spec in functions().values()]


def test_every_function_that_serves_requests_has_snapstart_on_published_versions():
    # Given the functions behind the HTTP API, the Function URL and the queue
    serving = [name for name in logical_ids() if name not in SCHEDULED_ONLY]
    assert serving

    # Then each publishes a version behind the alias on every property change, with SnapStart on that version
    for name in serving:
        assert effective(name, "SnapStart") == {"ApplyOn": "PublishedVersions"}, name
        assert effective(name, "AutoPublishAlias") == ALIAS, name
        assert effective(name, "AutoPublishAliasAllProperties") is True, name


def test_the_scheduled_functions_publish_an_alias_without_a_snapshot():
    # Then the hourly functions still run a published version, without SnapStart's cached snapshot
    for name in SCHEDULED_ONLY:
        assert effective(name, "SnapStart") == {"ApplyOn": "None"}, name
        assert effective(name, "AutoPublishAlias") == ALIAS, name
        assert effective(name, "AutoPublishAliasAllProperties") is True, name


def test_every_function_gets_an_alias_on_a_published_version(transformed):
    # Then SAM creates the alias of each function on the version it publishes
    for name in logical_ids():
        alias = transformed[alias_of(name)]
        assert alias["Type"] == "AWS::Lambda::Alias"
        assert alias["Properties"]["Name"] == ALIAS
        version = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert transformed[version]["Type"] == "AWS::Lambda::Version"


def test_every_http_api_integration_invokes_an_alias(transformed):
    # Given the HTTP API's OpenAPI body after SAM's transform
    api = next(r for r in transformed.values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    uris = [operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            for path in api["Properties"]["Body"]["paths"].values() for operation in path.values()]
    assert uris

    # Then each route's Lambda integration names a function's alias, never the unqualified function ($LATEST)
    for uri in uris:
        target = re.search(r"functions/\$\{([A-Za-z0-9]+)\}/invocations", uri).group(1)
        assert target.endswith(f"Alias{ALIAS}"), uri


def test_the_queue_the_schedules_the_function_url_and_the_permissions_point_at_aliases(transformed):
    def target(resource: dict[str, Any]) -> Any:
        props = resource["Properties"]
        return {
            "AWS::Lambda::EventSourceMapping": lambda: props["FunctionName"],
            "AWS::Scheduler::Schedule": lambda: props["Target"]["Arn"],
            "AWS::Lambda::Url": lambda: props["TargetFunctionArn"],
            "AWS::Lambda::Permission": lambda: props["FunctionName"],
        }[resource["Type"]]()

    # Given every other way an event reaches a function
    sources = {name: r for name, r in transformed.items() if r["Type"] in (
        "AWS::Lambda::EventSourceMapping", "AWS::Scheduler::Schedule", "AWS::Lambda::Url", "AWS::Lambda::Permission")}
    kinds = {r["Type"] for r in sources.values()}
    assert kinds == {"AWS::Lambda::EventSourceMapping", "AWS::Scheduler::Schedule", "AWS::Lambda::Url",
                     "AWS::Lambda::Permission"}

    # Then each invokes (or lets API Gateway and the URL invoke) an alias
    for name, resource in sources.items():
        assert target(resource) in [{"Ref": alias_of(f)} for f in logical_ids()], (name, target(resource))
