from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_out import CancelOut
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    test_mode: bool | Unset = True,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["test_mode"] = test_mode

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/payments/stripe/resume-subscription",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CancelOut | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CancelOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = ErrorDetail.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        response_403 = ErrorDetail.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorDetail.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 502:
        response_502 = ErrorDetail.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ErrorDetail.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CancelOut | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
    idempotency_key: str | Unset = UNSET,
) -> Response[CancelOut | ErrorDetail | HTTPValidationError]:
    """POST /api/v1/payments/stripe/resume-subscription

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelOut | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
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
    test_mode: bool | Unset = True,
    idempotency_key: str | Unset = UNSET,
) -> CancelOut | ErrorDetail | HTTPValidationError | None:
    """POST /api/v1/payments/stripe/resume-subscription

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelOut | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        test_mode=test_mode,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
    idempotency_key: str | Unset = UNSET,
) -> Response[CancelOut | ErrorDetail | HTTPValidationError]:
    """POST /api/v1/payments/stripe/resume-subscription

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelOut | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        test_mode=test_mode,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
    idempotency_key: str | Unset = UNSET,
) -> CancelOut | ErrorDetail | HTTPValidationError | None:
    """POST /api/v1/payments/stripe/resume-subscription

    Args:
        test_mode (bool | Unset):  Default: True.
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelOut | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            test_mode=test_mode,
            idempotency_key=idempotency_key,
        )
    ).parsed
