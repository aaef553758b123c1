"""AWS for the local stack and the tests: moto in server mode, with the resources created from template.yaml."""
from __future__ import annotations

import logging
import os
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

import json

from local.template import queues, table_definition, ttl_attribute

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class MotoAws:
    """A moto server on a loopback port and the clients that talk to it over HTTP."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
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
