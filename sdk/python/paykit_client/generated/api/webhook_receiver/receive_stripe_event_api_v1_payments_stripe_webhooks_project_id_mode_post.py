from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.receive_stripe_event_api_v1_payments_stripe_webhooks_project_id_mode_post_stripe_event import (
    ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent,
)
from ...models.webhook_ack import WebhookAck
from ...types import Response


def _get_kwargs(
    project_id: str,
    mode: str,
    *,
    body: ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent,
    stripe_signature: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Stripe-Signature"] = stripe_signature

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/payments/stripe/webhooks/{project_id}/{mode}".format(
            project_id=quote(str(project_id), safe=""),
            mode=quote(str(mode), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | WebhookAck | None:
    if response.status_code == 200:
        response_200 = WebhookAck.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = ErrorDetail.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = ErrorDetail.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorDetail | HTTPValidationError | WebhookAck]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project_id: str,
    mode: str,
    *,
    client: AuthenticatedClient | Client,
    body: ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent,
    stripe_signature: str,
) -> Response[ErrorDetail | HTTPValidationError | WebhookAck]:
    """POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}

    Args:
        project_id (str):
        mode (str):
        stripe_signature (str):
        body (ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | WebhookAck]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        mode=mode,
        body=body,
        stripe_signature=stripe_signature,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    mode: str,
    *,
    client: AuthenticatedClient | Client,
    body: ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent,
    stripe_signature: str,
) -> ErrorDetail | HTTPValidationError | WebhookAck | None:
    """POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}

    Args:
        project_id (str):
        mode (str):
        stripe_signature (str):
        body (ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | WebhookAck
    """

    return sync_detailed(
        project_id=project_id,
        mode=mode,
        client=client,
        body=body,
        stripe_signature=stripe_signature,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    mode: str,
    *,
    client: AuthenticatedClient | Client,
    body: ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent,
    stripe_signature: str,
) -> Response[ErrorDetail | HTTPValidationError | WebhookAck]:
    """POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}

    Args:
        project_id (str):
        mode (str):
        stripe_signature (str):
        body (ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | WebhookAck]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        mode=mode,
        body=body,
        stripe_signature=stripe_signature,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    mode: str,
    *,
    client: AuthenticatedClient | Client,
    body: ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent,
    stripe_signature: str,
) -> ErrorDetail | HTTPValidationError | WebhookAck | None:
    """POST /api/v1/payments/stripe/webhooks/{project_id}/{mode}

    Args:
        project_id (str):
        mode (str):
        stripe_signature (str):
        body (ReceiveStripeEventApiV1PaymentsStripeWebhooksProjectIdModePostStripeEvent):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | WebhookAck
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            mode=mode,
            client=client,
            body=body,
            stripe_signature=stripe_signature,
        )
    ).parsed
