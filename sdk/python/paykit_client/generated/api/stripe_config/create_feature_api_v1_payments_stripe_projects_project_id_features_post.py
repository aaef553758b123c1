from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.feature_out import FeatureOut
from ...models.feature_request import FeatureRequest
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project_id: UUID,
    *,
    body: FeatureRequest,
    test_mode: bool | Unset = True,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["test_mode"] = test_mode

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/payments/stripe/projects/{project_id}/features".format(
            project_id=quote(str(project_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | FeatureOut | HTTPValidationError | None:
    if response.status_code == 201:
        response_201 = FeatureOut.from_dict(response.json())

        return response_201

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

    if response.status_code == 413:
        response_413 = ErrorDetail.from_dict(response.json())

        return response_413

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
) -> Response[ErrorDetail | FeatureOut | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project_id: UUID,
    *,
    client: AuthenticatedClient,
    body: FeatureRequest,
    test_mode: bool | Unset = True,
) -> Response[ErrorDetail | FeatureOut | HTTPValidationError]:
    """POST /api/v1/payments/stripe/projects/{project_id}/features

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        body (FeatureRequest): A feature as Stripe keeps it (an Entitlements feature; kind, limit
            and key in its metadata). `key` is what the
            app checks; `lookup_key` is Stripe's unique name, so one key can have several limits, one
            per plan (`exports`
            100 on Basic, 1,000 on Pro): by default the key, or `<key>-<limit>` for a metered feature.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | FeatureOut | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
        test_mode=test_mode,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: UUID,
    *,
    client: AuthenticatedClient,
    body: FeatureRequest,
    test_mode: bool | Unset = True,
) -> ErrorDetail | FeatureOut | HTTPValidationError | None:
    """POST /api/v1/payments/stripe/projects/{project_id}/features

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        body (FeatureRequest): A feature as Stripe keeps it (an Entitlements feature; kind, limit
            and key in its metadata). `key` is what the
            app checks; `lookup_key` is Stripe's unique name, so one key can have several limits, one
            per plan (`exports`
            100 on Basic, 1,000 on Pro): by default the key, or `<key>-<limit>` for a metered feature.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | FeatureOut | HTTPValidationError
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        body=body,
        test_mode=test_mode,
    ).parsed


async def asyncio_detailed(
    project_id: UUID,
    *,
    client: AuthenticatedClient,
    body: FeatureRequest,
    test_mode: bool | Unset = True,
) -> Response[ErrorDetail | FeatureOut | HTTPValidationError]:
    """POST /api/v1/payments/stripe/projects/{project_id}/features

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        body (FeatureRequest): A feature as Stripe keeps it (an Entitlements feature; kind, limit
            and key in its metadata). `key` is what the
            app checks; `lookup_key` is Stripe's unique name, so one key can have several limits, one
            per plan (`exports`
            100 on Basic, 1,000 on Pro): by default the key, or `<key>-<limit>` for a metered feature.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | FeatureOut | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
        test_mode=test_mode,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: UUID,
    *,
    client: AuthenticatedClient,
    body: FeatureRequest,
    test_mode: bool | Unset = True,
) -> ErrorDetail | FeatureOut | HTTPValidationError | None:
    """POST /api/v1/payments/stripe/projects/{project_id}/features

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        body (FeatureRequest): A feature as Stripe keeps it (an Entitlements feature; kind, limit
            and key in its metadata). `key` is what the
            app checks; `lookup_key` is Stripe's unique name, so one key can have several limits, one
            per plan (`exports`
            100 on Basic, 1,000 on Pro): by default the key, or `<key>-<limit>` for a metered feature.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | FeatureOut | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            body=body,
            test_mode=test_mode,
        )
    ).parsed
