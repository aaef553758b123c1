"""The HTTP API's $default route: a request no route of template.yaml takes gets the {"detail"} envelope.

404 `Not Found` for an unknown path; 405 `Method Not Allowed` with `Allow` when the path has other methods (the
route table is paykit.route_table, generated from template.yaml). No token is read and no AWS service is called.
"""
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from paykit import api
from paykit.observability import logger


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle_unrouted(event)
