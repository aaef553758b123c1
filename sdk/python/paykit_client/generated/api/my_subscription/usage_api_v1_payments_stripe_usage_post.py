from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.usage_out import UsageOut
from ...models.usage_request import UsageRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: UsageRequest,
    test_mode: bool | Unset = True,
    idempotency_key: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["test_mode"] = test_mode

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/payments/stripe/usage",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | UsageOut | None:
    if response.status_code == 200:
        response_200 = UsageOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorDetail.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorDetail.from_dict(response.json())

        return response_409

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
) -> Response[ErrorDetail | HTTPValidationError | UsageOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: UsageRequest,
    test_mode: bool | Unset = True,
    idempotency_key: str,
) -> Response[ErrorDetail | HTTPValidationError | UsageOut]:
    """POST /api/v1/payments/stripe/usage

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str):
        body (UsageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | UsageOut]
    """

    kwargs = _get_kwargs(
        body=body,
        test_mode=test_mode,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: UsageRequest,
    test_mode: bool | Unset = True,
    idempotency_key: str,
) -> ErrorDetail | HTTPValidationError | UsageOut | None:
    """POST /api/v1/payments/stripe/usage

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str):
        body (UsageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | UsageOut
    """

    return sync_detailed(
        client=client,
        body=body,
        test_mode=test_mode,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: UsageRequest,
    test_mode: bool | Unset = True,
    idempotency_key: str,
) -> Response[ErrorDetail | HTTPValidationError | UsageOut]:
    """POST /api/v1/payments/stripe/usage

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str):
        body (UsageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | UsageOut]
    """

    kwargs = _get_kwargs(
        body=body,
        test_mode=test_mode,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: UsageRequest,
    test_mode: bool | Unset = True,
    idempotency_key: str,
) -> ErrorDetail | HTTPValidationError | UsageOut | None:
    """POST /api/v1/payments/stripe/usage

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str):
        body (UsageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | UsageOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            test_mode=test_mode,
            idempotency_key=idempotency_key,
        )
    ).parsed
