"""AWS for the local stack and the tests: moto in server mode, with the resources created from template.yaml."""
from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Callable, Iterable

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from local.template import queues, table_definition, ttl_attribute

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class _OneDynamoDbRequestAtATime:
    """moto's DynamoDB backend is not thread-safe (concurrent TransactWriteItems can crash half-applied), while
    DynamoDB makes each request atomic. Serialising DynamoDB requests restores that guarantee; requests still
    interleave between calls, so read-modify-write races in PayKit stay real. Other services (SQS long polls) are
    left concurrent."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self._app(environ, start_response)
        with self._lock:
            return list(self._app(environ, start_response))


class _MotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        app = _OneDynamoDbRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


class MotoAws:
    """A moto server on a loopback port and the clients that talk to it over HTTP."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _MotoServer(ip_address=host, port=port, verbose=False)
        self.endpoint_url = ""

    def start(self) -> "MotoAws":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per AWS call
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def environment(self) -> dict[str, str]:
        return {**DUMMY_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url}

    def client(self, service: str) -> Any:
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        ).client(service, endpoint_url=self.endpoint_url)

    def create_table(self, name: str) -> None:
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(**table_definition(name))
        attribute = ttl_attribute()
        if attribute:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
            )


    def create_queues(self, prefix: str) -> dict[str, str]:
        """The template's SQS queues (named `{prefix}-{LogicalId}`, `.fifo` where FIFO), DLQs first; logical id -> URL."""
        sqs = self.client("sqs")
        urls: dict[str, str] = {}
        arns: dict[str, str] = {}
        for spec in queues():
            attributes = dict(spec.attributes)
            if spec.dead_letter_queue:
                attributes["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": arns[spec.dead_letter_queue], "maxReceiveCount": spec.max_receive_count})
            name = f"{prefix}-{spec.logical_id}" + (".fifo" if spec.fifo else "")
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            urls[spec.logical_id] = url
            arns[spec.logical_id] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
        return urls


def apply_environment(values: dict[str, str]) -> None:
    os.environ.update(values)
