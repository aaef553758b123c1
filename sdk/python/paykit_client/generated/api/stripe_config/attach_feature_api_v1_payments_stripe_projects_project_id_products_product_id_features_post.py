from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.feature_out import FeatureOut
from ...models.http_validation_error import HTTPValidationError
from ...models.product_feature_request import ProductFeatureRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project_id: UUID,
    product_id: str,
    *,
    body: ProductFeatureRequest,
    test_mode: bool | Unset = True,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["test_mode"] = test_mode

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features".format(
            project_id=quote(str(project_id), safe=""),
            product_id=quote(str(product_id), safe=""),
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
    if response.status_code == 200:
        response_200 = FeatureOut.from_dict(response.json())

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
    product_id: str,
    *,
    client: AuthenticatedClient,
    body: ProductFeatureRequest,
    test_mode: bool | Unset = True,
) -> Response[ErrorDetail | FeatureOut | HTTPValidationError]:
    """POST /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features

    Args:
        project_id (UUID):
        product_id (str):
        test_mode (bool | Unset):  Default: True.
        body (ProductFeatureRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | FeatureOut | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        product_id=product_id,
        body=body,
        test_mode=test_mode,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: UUID,
    product_id: str,
    *,
    client: AuthenticatedClient,
    body: ProductFeatureRequest,
    test_mode: bool | Unset = True,
) -> ErrorDetail | FeatureOut | HTTPValidationError | None:
    """POST /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features

    Args:
        project_id (UUID):
        product_id (str):
        test_mode (bool | Unset):  Default: True.
        body (ProductFeatureRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | FeatureOut | HTTPValidationError
    """

    return sync_detailed(
        project_id=project_id,
        product_id=product_id,
        client=client,
        body=body,
        test_mode=test_mode,
    ).parsed


async def asyncio_detailed(
    project_id: UUID,
    product_id: str,
    *,
    client: AuthenticatedClient,
    body: ProductFeatureRequest,
    test_mode: bool | Unset = True,
) -> Response[ErrorDetail | FeatureOut | HTTPValidationError]:
    """POST /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features

    Args:
        project_id (UUID):
        product_id (str):
        test_mode (bool | Unset):  Default: True.
        body (ProductFeatureRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | FeatureOut | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        product_id=product_id,
        body=body,
        test_mode=test_mode,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: UUID,
    product_id: str,
    *,
    client: AuthenticatedClient,
    body: ProductFeatureRequest,
    test_mode: bool | Unset = True,
) -> ErrorDetail | FeatureOut | HTTPValidationError | None:
    """POST /api/v1/payments/stripe/projects/{project_id}/products/{product_id}/features

    Args:
        project_id (UUID):
        product_id (str):
        test_mode (bool | Unset):  Default: True.
        body (ProductFeatureRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | FeatureOut | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            product_id=product_id,
            client=client,
            body=body,
            test_mode=test_mode,
        )
    ).parsed
