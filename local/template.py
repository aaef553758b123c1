"""The one reader of template.yaml: the table, HTTP routes and functions that the local stack and the tests build from.

CloudFormation short tags (`!Ref`, `!Sub`, ...) become their long forms (`{"Ref": ...}`, `{"Fn::Sub": ...}`), so
the result is the template as CloudFormation itself sees it, in plain dicts and lists. Every public function takes an
optional template path (default: the repository's template.yaml) and reads the file once per modification.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Mapping

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template.yaml"

SAM_FUNCTION = "AWS::Serverless::Function"
DYNAMODB_TABLE = "AWS::DynamoDB::Table"

# The create_table arguments a GlobalSecondaryIndex of the template maps to (ContributorInsights etc. are not ones).
_GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that also understands CloudFormation's short-form intrinsic function tags."""


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _long_form(name: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {name: _node_value(loader, node)}

    return construct


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _node_value(loader, node)
    if isinstance(value, str):  # `!GetAtt Resource.Attribute` (the attribute itself may contain dots)
        value = value.split(".", 1)
    return {"Fn::GetAtt": value}


_CloudFormationLoader.add_constructor("!Ref", _long_form("Ref"))
_CloudFormationLoader.add_constructor("!Condition", _long_form("Condition"))
_CloudFormationLoader.add_constructor("!GetAtt", _get_att)
for _name in (
    "Sub", "If", "Equals", "Not", "And", "Or", "Select", "Split", "Join", "FindInMap", "ImportValue", "Base64",
    "Cidr", "GetAZs", "Transform", "Length", "ToJsonString",
):
    _CloudFormationLoader.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))


def _resolve(path: str | Path | None) -> Path:
    return Path(path).resolve() if path is not None else TEMPLATE_PATH


@lru_cache(maxsize=8)
def _parse(path: Path, mtime_ns: int) -> dict[str, Any]:  # mtime_ns is part of the cache key only
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 (a SafeLoader subclass)


def _template(path: str | Path | None) -> dict[str, Any]:
    """The cached parse: callers inside this module must not change it."""
    resolved = _resolve(path)
    return _parse(resolved, resolved.stat().st_mtime_ns)


def load_template(path: str | Path | None = None) -> dict[str, Any]:
    """The whole template in long form; a copy the caller may change."""
    return copy.deepcopy(_template(path))


def resources_of_type(type_name: str, path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Logical id -> resource (a copy) for every resource of one CloudFormation or SAM type, in template order."""
    resources = _template(path).get("Resources", {})
    return {key: copy.deepcopy(value) for key, value in resources.items() if value.get("Type") == type_name}


def _only_table(path: str | Path | None) -> dict[str, Any]:
    tables = resources_of_type(DYNAMODB_TABLE, path)
    if len(tables) != 1:
        raise LookupError(f"expected exactly one {DYNAMODB_TABLE} in the template, found {sorted(tables)}")
    return next(iter(tables.values()))["Properties"]


def table_definition(table_name: str, path: str | Path | None = None) -> dict[str, Any]:
    """Keyword arguments for boto3 `dynamodb.create_table`, built from the template's table."""
    properties = _only_table(path)
    definition: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    indexes = properties.get("GlobalSecondaryIndexes")
    if indexes:
        definition["GlobalSecondaryIndexes"] = [
            {key: index[key] for key in _GSI_KEYS if key in index} for index in indexes
        ]
    if "ProvisionedThroughput" in properties:
        definition["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    stream = properties.get("StreamSpecification")
    if stream:
        definition["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return definition


def ttl_attribute(path: str | Path | None = None) -> str | None:
    """The table's TTL attribute name, or None when TTL is not enabled."""
    specification = _only_table(path).get("TimeToLiveSpecification") or {}
    return specification.get("AttributeName") if specification.get("Enabled") else None


@dataclass(frozen=True)
class FunctionSpec:
    """One AWS::Serverless::Function as deployed: Globals.Function applied, literal values only."""

    logical_id: str  # ProjectsFunction
    name: str  # projects: the directory under functions/
    code_dir: Path  # absolute path of CodeUri
    handler: str  # app.lambda_handler
    timeout: int
    # Environment as Lambda sees it (Globals merged with the function's own, the function winning); values that are
    # intrinsic functions (TABLE_NAME: !Ref ...) are left out: the local stack supplies its own.
    environment: Mapping[str, str]
    events: Mapping[str, Mapping[str, Any]]  # event name -> {"Type": ..., "Properties": ...}

    @property
    def handler_module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_function(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ... (upper case; ANY stays ANY)
    path: str  # /api/v1/projects/{project_id}
    function: str  # directory name of the function that serves it

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


def _function_properties(resource: Mapping[str, Any], globals_function: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules for the properties read here: maps merge, scalars and lists are replaced."""
    merged = copy.deepcopy(dict(globals_function))
    for key, value in resource.get("Properties", {}).items():
        if key == "Environment":
            variables = {**merged.get("Environment", {}).get("Variables", {}), **value.get("Variables", {})}
            merged["Environment"] = {"Variables": variables}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@lru_cache(maxsize=8)
def _functions(path: Path, mtime_ns: int) -> Mapping[str, FunctionSpec]:
    template = _parse(path, mtime_ns)
    globals_function = template.get("Globals", {}).get("Function", {})
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != SAM_FUNCTION:
            continue
        properties = _function_properties(resource, globals_function)
        code_uri = properties["CodeUri"]
        if not isinstance(code_uri, str):
            raise ValueError(f"{logical_id}: CodeUri must be a local directory, got {code_uri!r}")
        name = PurePosixPath(code_uri.rstrip("/")).name
        variables = properties.get("Environment", {}).get("Variables", {})
        specs[name] = FunctionSpec(
            logical_id=logical_id,
            name=name,
            code_dir=(path.parent / code_uri).resolve(),
            handler=properties["Handler"],
            timeout=int(properties.get("Timeout", 3)),  # Lambda's default
            environment=MappingProxyType({k: str(v) for k, v in variables.items() if not isinstance(v, dict)}),
            events=MappingProxyType(properties.get("Events", {})),
        )
    return MappingProxyType(specs)


def functions(path: str | Path | None = None) -> dict[str, FunctionSpec]:
    """Directory name (`projects`) -> FunctionSpec, for every AWS::Serverless::Function, in template order."""
    resolved = _resolve(path)
    return dict(_functions(resolved, resolved.stat().st_mtime_ns))


def http_routes(path: str | Path | None = None) -> list[Route]:
    """Every HttpApi event of every function that names a method and path, in template order."""
    return [
        Route(method=str(event["Properties"]["Method"]).upper(), path=event["Properties"]["Path"], function=spec.name)
        for spec in functions(path).values()
        for event in spec.events.values()
        if event.get("Type") == "HttpApi" and "Path" in event.get("Properties", {})
    ]


def default_route_function(path: str | Path | None = None) -> str | None:
    """The function of the HTTP API's $default route (an HttpApi event without Path and Method, as SAM has it)."""
    return next((spec.name for spec in functions(path).values() for event in spec.events.values()
                 if event.get("Type") == "HttpApi" and "Path" not in event.get("Properties", {})), None)


SQS_QUEUE = "AWS::SQS::Queue"
# Queue properties that map to SQS attributes one to one (the rest, such as tags, do not matter locally).
_QUEUE_ATTRIBUTES = (
    "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit", "VisibilityTimeout",
    "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds",
)


@dataclass(frozen=True)
class QueueSpec:
    """One AWS::SQS::Queue: its attributes as SQS's CreateQueue takes them, and its DLQ's logical id."""

    logical_id: str
    fifo: bool
    attributes: Mapping[str, str]
    dead_letter_queue: str | None  # logical id of the RedrivePolicy target
    max_receive_count: int | None


def queues(path: str | Path | None = None) -> list[QueueSpec]:
    """Every SQS queue of the template, dead-letter queues first (their ARNs go into the others' RedrivePolicy)."""
    specs = []
    for logical_id, resource in resources_of_type(SQS_QUEUE, path).items():
        properties = resource.get("Properties", {})
        attributes = {key: str(properties[key]).lower() if isinstance(properties[key], bool) else str(properties[key])
                      for key in _QUEUE_ATTRIBUTES if key in properties}
        redrive = properties.get("RedrivePolicy") or {}
        target = redrive.get("deadLetterTargetArn")
        specs.append(QueueSpec(
            logical_id=logical_id,
            fifo=bool(properties.get("FifoQueue")),
            attributes=MappingProxyType(attributes),
            dead_letter_queue=target["Fn::GetAtt"][0] if isinstance(target, dict) and "Fn::GetAtt" in target else None,
            max_receive_count=int(redrive["maxReceiveCount"]) if redrive.get("maxReceiveCount") else None,
        ))
    return sorted(specs, key=lambda spec: spec.dead_letter_queue is not None)
