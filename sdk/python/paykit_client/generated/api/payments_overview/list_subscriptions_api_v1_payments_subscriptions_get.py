import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.aggregated_subscription_list import AggregatedSubscriptionList
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    project_id: None | Unset | UUID = UNSET,
    test_mode: bool | None | Unset = UNSET,
    status: None | str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_project_id: None | str | Unset
    if isinstance(project_id, Unset):
        json_project_id = UNSET
    elif isinstance(project_id, UUID):
        json_project_id = str(project_id)
    else:
        json_project_id = project_id
    params["project_id"] = json_project_id

    json_test_mode: bool | None | Unset
    if isinstance(test_mode, Unset):
        json_test_mode = UNSET
    else:
        json_test_mode = test_mode
    params["test_mode"] = json_test_mode

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    else:
        json_status = status
    params["status"] = json_status

    params["page"] = page

    params["page_size"] = page_size

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_created_from: None | str | Unset
    if isinstance(created_from, Unset):
        json_created_from = UNSET
    elif isinstance(created_from, datetime.datetime):
        json_created_from = created_from.isoformat()
    else:
        json_created_from = created_from
    params["created_from"] = json_created_from

    json_created_to: None | str | Unset
    if isinstance(created_to, Unset):
        json_created_to = UNSET
    elif isinstance(created_to, datetime.datetime):
        json_created_to = created_to.isoformat()
    else:
        json_created_to = created_to
    params["created_to"] = json_created_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/payments/subscriptions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AggregatedSubscriptionList | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = AggregatedSubscriptionList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorDetail.from_dict(response.json())

        return response_403

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
) -> Response[AggregatedSubscriptionList | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    project_id: None | Unset | UUID = UNSET,
    test_mode: bool | None | Unset = UNSET,
    status: None | str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
) -> Response[AggregatedSubscriptionList | ErrorDetail | HTTPValidationError]:
    """GET /api/v1/payments/subscriptions

    Args:
        project_id (None | Unset | UUID):
        test_mode (bool | None | Unset):
        status (None | str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AggregatedSubscriptionList | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        test_mode=test_mode,
        status=status,
        page=page,
        page_size=page_size,
        cursor=cursor,
        created_from=created_from,
        created_to=created_to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    project_id: None | Unset | UUID = UNSET,
    test_mode: bool | None | Unset = UNSET,
    status: None | str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
) -> AggregatedSubscriptionList | ErrorDetail | HTTPValidationError | None:
    """GET /api/v1/payments/subscriptions

    Args:
        project_id (None | Unset | UUID):
        test_mode (bool | None | Unset):
        status (None | str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AggregatedSubscriptionList | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        project_id=project_id,
        test_mode=test_mode,
        status=status,
        page=page,
        page_size=page_size,
        cursor=cursor,
        created_from=created_from,
        created_to=created_to,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    project_id: None | Unset | UUID = UNSET,
    test_mode: bool | None | Unset = UNSET,
    status: None | str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
) -> Response[AggregatedSubscriptionList | ErrorDetail | HTTPValidationError]:
    """GET /api/v1/payments/subscriptions

    Args:
        project_id (None | Unset | UUID):
        test_mode (bool | None | Unset):
        status (None | str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AggregatedSubscriptionList | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        test_mode=test_mode,
        status=status,
        page=page,
        page_size=page_size,
        cursor=cursor,
        created_from=created_from,
        created_to=created_to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    project_id: None | Unset | UUID = UNSET,
    test_mode: bool | None | Unset = UNSET,
    status: None | str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
) -> AggregatedSubscriptionList | ErrorDetail | HTTPValidationError | None:
    """GET /api/v1/payments/subscriptions

    Args:
        project_id (None | Unset | UUID):
        test_mode (bool | None | Unset):
        status (None | str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AggregatedSubscriptionList | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            project_id=project_id,
            test_mode=test_mode,
            status=status,
            page=page,
            page_size=page_size,
            cursor=cursor,
            created_from=created_from,
            created_to=created_to,
        )
    ).parsed
