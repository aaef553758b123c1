from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkout_session_status_out import CheckoutSessionStatusOut
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    session_id: str,
    *,
    test_mode: bool | Unset = True,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["test_mode"] = test_mode

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/payments/stripe/checkout-session/{session_id}".format(
            session_id=quote(str(session_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CheckoutSessionStatusOut.from_dict(response.json())

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
) -> Response[CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
) -> Response[CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError]:
    """GET /api/v1/payments/stripe/checkout-session/{session_id}

    Args:
        session_id (str):
        test_mode (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        test_mode=test_mode,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
) -> CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError | None:
    """GET /api/v1/payments/stripe/checkout-session/{session_id}

    Args:
        session_id (str):
        test_mode (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
        test_mode=test_mode,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
) -> Response[CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError]:
    """GET /api/v1/payments/stripe/checkout-session/{session_id}

    Args:
        session_id (str):
        test_mode (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        test_mode=test_mode,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
) -> CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError | None:
    """GET /api/v1/payments/stripe/checkout-session/{session_id}

    Args:
        session_id (str):
        test_mode (bool | Unset):  Default: True.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutSessionStatusOut | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            test_mode=test_mode,
        )
    ).parsed
