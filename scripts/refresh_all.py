"""`make refresh-all`: a full stats recount now (every developer enqueued for the worker), deployed or local."""
from __future__ import annotations

import argparse
import json
import sys

import boto3
import requests

FULL = {"full": True}


def deployed(stack: str) -> dict:
    """Invokes the stack's refresher (alias live) with {"full": true}; it answers with its pass report."""
    function = boto3.client("cloudformation").describe_stack_resource(
        StackName=stack, LogicalResourceId="StatsRefresherFunction")["StackResourceDetail"]["PhysicalResourceId"]
    reply = boto3.client("lambda").invoke(FunctionName=function, Qualifier="live", Payload=json.dumps(FULL).encode())
    return json.loads(reply["Payload"].read() or b"{}")


def local(base_url: str) -> dict:
    """The running local stack (make run) runs the schedule now through its dev-only route."""
    reply = requests.post(f"{base_url.rstrip('/')}/_local/schedule", timeout=300,
                          json={"function": "stats_refresher", "payload": FULL})
    reply.raise_for_status()
    return reply.json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="the deployed stack's name")
    target.add_argument("--local", metavar="URL", help="the local gateway, e.g. http://127.0.0.1:3000")
    args = parser.parse_args(argv)
    report = deployed(args.stack) if args.stack else local(args.local)
    print(json.dumps(report))
    return 0 if report.get("completed") or report.get("continued") else 1


if __name__ == "__main__":
    sys.exit(main())
