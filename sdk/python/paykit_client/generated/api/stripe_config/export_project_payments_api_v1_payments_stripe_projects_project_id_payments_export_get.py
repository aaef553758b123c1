import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.export_project_payments_api_v1_payments_stripe_projects_project_id_payments_export_get_format import (
    ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat,
)
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project_id: UUID,
    *,
    test_mode: bool | Unset = True,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
    format_: ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
    | Unset = ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV,
    page_size: int | Unset = 1000,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["test_mode"] = test_mode

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

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params["page_size"] = page_size

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/payments/stripe/projects/{project_id}/payments/export".format(
            project_id=quote(str(project_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorDetail.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

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
) -> Response[ErrorDetail | HTTPValidationError | str]:
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
    test_mode: bool | Unset = True,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
    format_: ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
    | Unset = ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV,
    page_size: int | Unset = 1000,
    cursor: None | str | Unset = UNSET,
) -> Response[ErrorDetail | HTTPValidationError | str]:
    """GET /api/v1/payments/stripe/projects/{project_id}/payments/export

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)
        format_ (ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
            | Unset): csv (RFC 4180) or jsonl (JSON lines) Default:
            ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV.
        page_size (int | Unset): rows in this chunk Default: 1000.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | str]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        test_mode=test_mode,
        created_from=created_from,
        created_to=created_to,
        format_=format_,
        page_size=page_size,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: UUID,
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
    format_: ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
    | Unset = ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV,
    page_size: int | Unset = 1000,
    cursor: None | str | Unset = UNSET,
) -> ErrorDetail | HTTPValidationError | str | None:
    """GET /api/v1/payments/stripe/projects/{project_id}/payments/export

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)
        format_ (ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
            | Unset): csv (RFC 4180) or jsonl (JSON lines) Default:
            ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV.
        page_size (int | Unset): rows in this chunk Default: 1000.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | str
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        test_mode=test_mode,
        created_from=created_from,
        created_to=created_to,
        format_=format_,
        page_size=page_size,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    project_id: UUID,
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
    format_: ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
    | Unset = ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV,
    page_size: int | Unset = 1000,
    cursor: None | str | Unset = UNSET,
) -> Response[ErrorDetail | HTTPValidationError | str]:
    """GET /api/v1/payments/stripe/projects/{project_id}/payments/export

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)
        format_ (ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
            | Unset): csv (RFC 4180) or jsonl (JSON lines) Default:
            ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV.
        page_size (int | Unset): rows in this chunk Default: 1000.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | str]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        test_mode=test_mode,
        created_from=created_from,
        created_to=created_to,
        format_=format_,
        page_size=page_size,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: UUID,
    *,
    client: AuthenticatedClient,
    test_mode: bool | Unset = True,
    created_from: datetime.datetime | None | Unset = UNSET,
    created_to: datetime.datetime | None | Unset = UNSET,
    format_: ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
    | Unset = ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV,
    page_size: int | Unset = 1000,
    cursor: None | str | Unset = UNSET,
) -> ErrorDetail | HTTPValidationError | str | None:
    """GET /api/v1/payments/stripe/projects/{project_id}/payments/export

    Args:
        project_id (UUID):
        test_mode (bool | Unset):  Default: True.
        created_from (datetime.datetime | None | Unset): rows created at or after this instant
            (UTC if naive)
        created_to (datetime.datetime | None | Unset): rows created before this instant (UTC if
            naive)
        format_ (ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat
            | Unset): csv (RFC 4180) or jsonl (JSON lines) Default:
            ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat.CSV.
        page_size (int | Unset): rows in this chunk Default: 1000.
        cursor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | str
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            test_mode=test_mode,
            created_from=created_from,
            created_to=created_to,
            format_=format_,
            page_size=page_size,
            cursor=cursor,
        )
    ).parsed
