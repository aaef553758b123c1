"""HTTP plumbing shared by every API function: the resolver, errors mapped to statuses once, auth before routing."""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

__all__ = ["Response", "resolver", "handle", "handle_unrouted", "principal", "json_response", "error_response",
           "raw_body", "request_base"]
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from botocore.exceptions import BotoCoreError, ClientError

from paykit import aws, errors
from paykit.observability import logger
from paykit.redact import redact, redact_value
from paykit.route_table import ROUTES
from paykit.routing import allowed_methods
from paykit.settings import get_settings

if TYPE_CHECKING:
    from paykit.auth import Principal, Role

# The one place where domain errors become HTTP statuses.
STATUS_BY_ERROR: dict[type[errors.PayKitError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.PaymentRequired: 402,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.InvalidInput: 422,
    errors.StripeCredentialsInvalid: 502,
    errors.ServiceUnavailable: 503,
    errors.QueueUnavailable: 503,
}


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(payload, separators=(",", ":")),
        headers=headers or {},
    )


def error_response(exc: errors.PayKitError) -> Response:
    status = next(code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls))
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.InvalidInput):
        return json_response(status, {"detail": [{"loc": list(exc.loc), "msg": exc.detail, "type": exc.type}]})
    return json_response(status, {"detail": exc.detail}, headers)


def validation_response(exc: RequestValidationError) -> Response:
    # FastAPI's envelope; the offending input is never echoed (it may be a secret key).
    detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
    return json_response(422, {"detail": detail})


def resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.exception_handler(errors.PayKitError)(error_response)
    app.exception_handler(RequestValidationError)(validation_response)

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(_exc: UnicodeDecodeError) -> Response:  # a body JSON can never be: FastAPI's json_invalid
        return json_response(422, {"detail": [{"loc": ["body"], "msg": "Body is not valid UTF-8", "type": "json_invalid"}]})

    @app.exception_handler([ClientError, BotoCoreError])
    def _aws_failure(exc: Exception) -> Response:
        return aws_failure_response(exc)

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:  # never a bare 500 page, never internals in the body
        logger.exception("unhandled error")
        return json_response(500, {"detail": "Internal server error"})

    @app.not_found
    def _not_found(_exc: Exception) -> Response:
        # Powertools answers a known path with another method as a 404 too; only a Function URL (any method, any
        # path) brings one here, and this function's own routes say which methods the path has.
        own = [(route.method, route.openapi_path) for route in (*app._static_routes, *app._dynamic_routes)]
        return unrouted_response(app.current_event.http_method, app.current_event.path, own)

    return app


def unrouted_response(method: str, path: str, routes: Iterable[tuple[str, str]] = ROUTES) -> Response:
    """No route has this method and path: 405 with `Allow` when the path has other methods, else 404."""
    allowed = allowed_methods(path, routes)
    if allowed and method.upper() not in allowed:
        return json_response(405, {"detail": "Method Not Allowed"}, {"Allow": ", ".join(allowed)})
    return json_response(404, {"detail": "Not Found"})


def handle_unrouted(event: Mapping[str, Any]) -> dict[str, Any]:
    """The HTTP API's $default route: every request that no route of template.yaml (paykit.route_table) takes."""
    http = (event.get("requestContext") or {}).get("http") or {}
    return _to_proxy_result(unrouted_response(str(http.get("method") or ""), str(http.get("path") or "")))


def aws_failure_response(exc: Exception) -> Response:
    """Throttling or an AWS outage is a 503 with Retry-After (the caller may retry); any other AWS error is a bug."""
    if not aws.is_unavailable(exc):
        logger.exception("unhandled AWS error")
        return json_response(500, {"detail": "Internal server error"})
    logger.warning("AWS dependency unavailable", error=type(exc).__name__,
                   code=(getattr(exc, "response", None) or {}).get("Error", {}).get("Code"))
    return error_response(errors.ServiceUnavailable())


def principal(app: APIGatewayHttpResolver) -> Principal:
    return app.context["principal"]


def handle(app: APIGatewayHttpResolver, event: Mapping[str, Any], context: Any, role: Role | None,
           max_body_bytes: int | None = None) -> dict[str, Any]:
    """Checks size and the bearer token before routing (a 401 comes before any 422, as in FastAPI), then resolves."""
    try:
        _check_body_size(event, max_body_bytes)
        if role is not None:
            from paykit.auth import authenticate  # JWT (and cryptography) only for functions that take tokens

            who = authenticate(event.get("headers") or {}, role)
            app.append_context(principal=who)
            logger.append_keys(caller=who.sub, project_id=who.project_id)
            _check_json_body(event)  # token routes take JSON; Stripe's receiver reads its signed raw bytes itself
    except errors.PayKitError as exc:
        return _masked(_to_proxy_result(error_response(exc)))
    except (ClientError, BotoCoreError) as exc:  # the JWT signing secret comes from Secrets Manager when deployed
        return _masked(_to_proxy_result(aws_failure_response(exc)))
    return _masked(app.resolve(event, context))


def _masked(result: dict[str, Any]) -> dict[str, Any]:
    """The one exit of every answer: no secret-shaped value leaves whole, whether Stripe echoed it in an error
    message, pydantic named it as a field, or a caller stored it as a name."""
    masked = {**result, "headers": redact_value(result.get("headers") or {})}
    if isinstance(result.get("body"), str) and not result.get("isBase64Encoded"):
        masked["body"] = redact(result["body"])
    return masked


def _check_json_body(event: Mapping[str, Any]) -> None:
    """Bodies are JSON: Powertools' form and multipart parsers answer malformed input with a 500, text/plain too."""
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    content_type = str(headers.get("content-type") or "").strip().lower()
    if event.get("body") and content_type and not content_type.startswith("application/json"):
        raise errors.InvalidInput(("body",), "Content-Type must be application/json", "unsupported_content_type")


def _check_body_size(event: Mapping[str, Any], limit: int | None = None) -> None:
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > (get_settings().max_body_bytes if limit is None else limit):
        raise errors.PayloadTooLarge("Request body too large")


def _to_proxy_result(response: Response) -> dict[str, Any]:
    headers = {"Content-Type": response.content_type or "application/json", **(response.headers or {})}
    return {"statusCode": response.status_code, "headers": headers, "body": response.body, "isBase64Encoded": False}


def raw_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


def request_base(event: Mapping[str, Any]) -> str:
    """The public base URL this request came in on (HTTP API's $default stage has no stage prefix)."""
    domain = (event.get("requestContext") or {}).get("domainName") or "localhost"
    scheme = "http" if domain.split(":")[0] in ("localhost", "127.0.0.1") else "https"
    return f"{scheme}://{domain}"
