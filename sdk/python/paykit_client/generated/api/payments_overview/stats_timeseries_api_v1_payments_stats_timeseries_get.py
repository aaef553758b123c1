import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.stats_timeseries_api_v1_payments_stats_timeseries_get_interval import (
    StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval,
)
from ...models.stats_timeseries_api_v1_payments_stats_timeseries_get_metric import (
    StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric,
)
from ...models.time_series import TimeSeries
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    metric: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR,
    interval: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY,
    from_: datetime.date | None | Unset = UNSET,
    to: datetime.date | None | Unset = UNSET,
    test_mode: bool | Unset = True,
    currency: None | str | Unset = UNSET,
    project_id: None | Unset | UUID = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_metric: str | Unset = UNSET
    if not isinstance(metric, Unset):
        json_metric = metric.value

    params["metric"] = json_metric

    json_interval: str | Unset = UNSET
    if not isinstance(interval, Unset):
        json_interval = interval.value

    params["interval"] = json_interval

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    elif isinstance(from_, datetime.date):
        json_from_ = from_.isoformat()
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    elif isinstance(to, datetime.date):
        json_to = to.isoformat()
    else:
        json_to = to
    params["to"] = json_to

    params["test_mode"] = test_mode

    json_currency: None | str | Unset
    if isinstance(currency, Unset):
        json_currency = UNSET
    else:
        json_currency = currency
    params["currency"] = json_currency

    json_project_id: None | str | Unset
    if isinstance(project_id, Unset):
        json_project_id = UNSET
    elif isinstance(project_id, UUID):
        json_project_id = str(project_id)
    else:
        json_project_id = project_id
    params["project_id"] = json_project_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/payments/stats/timeseries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | TimeSeries | None:
    if response.status_code == 200:
        response_200 = TimeSeries.from_dict(response.json())

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
) -> Response[ErrorDetail | HTTPValidationError | TimeSeries]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    metric: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR,
    interval: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY,
    from_: datetime.date | None | Unset = UNSET,
    to: datetime.date | None | Unset = UNSET,
    test_mode: bool | Unset = True,
    currency: None | str | Unset = UNSET,
    project_id: None | Unset | UUID = UNSET,
) -> Response[ErrorDetail | HTTPValidationError | TimeSeries]:
    """GET /api/v1/payments/stats/timeseries

    Args:
        metric (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR.
        interval (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY.
        from_ (datetime.date | None | Unset):
        to (datetime.date | None | Unset):
        test_mode (bool | Unset):  Default: True.
        currency (None | str | Unset):
        project_id (None | Unset | UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | TimeSeries]
    """

    kwargs = _get_kwargs(
        metric=metric,
        interval=interval,
        from_=from_,
        to=to,
        test_mode=test_mode,
        currency=currency,
        project_id=project_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    metric: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR,
    interval: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY,
    from_: datetime.date | None | Unset = UNSET,
    to: datetime.date | None | Unset = UNSET,
    test_mode: bool | Unset = True,
    currency: None | str | Unset = UNSET,
    project_id: None | Unset | UUID = UNSET,
) -> ErrorDetail | HTTPValidationError | TimeSeries | None:
    """GET /api/v1/payments/stats/timeseries

    Args:
        metric (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR.
        interval (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY.
        from_ (datetime.date | None | Unset):
        to (datetime.date | None | Unset):
        test_mode (bool | Unset):  Default: True.
        currency (None | str | Unset):
        project_id (None | Unset | UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | TimeSeries
    """

    return sync_detailed(
        client=client,
        metric=metric,
        interval=interval,
        from_=from_,
        to=to,
        test_mode=test_mode,
        currency=currency,
        project_id=project_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    metric: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR,
    interval: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY,
    from_: datetime.date | None | Unset = UNSET,
    to: datetime.date | None | Unset = UNSET,
    test_mode: bool | Unset = True,
    currency: None | str | Unset = UNSET,
    project_id: None | Unset | UUID = UNSET,
) -> Response[ErrorDetail | HTTPValidationError | TimeSeries]:
    """GET /api/v1/payments/stats/timeseries

    Args:
        metric (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR.
        interval (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY.
        from_ (datetime.date | None | Unset):
        to (datetime.date | None | Unset):
        test_mode (bool | Unset):  Default: True.
        currency (None | str | Unset):
        project_id (None | Unset | UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | TimeSeries]
    """

    kwargs = _get_kwargs(
        metric=metric,
        interval=interval,
        from_=from_,
        to=to,
        test_mode=test_mode,
        currency=currency,
        project_id=project_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    metric: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR,
    interval: StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval
    | Unset = StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY,
    from_: datetime.date | None | Unset = UNSET,
    to: datetime.date | None | Unset = UNSET,
    test_mode: bool | Unset = True,
    currency: None | str | Unset = UNSET,
    project_id: None | Unset | UUID = UNSET,
) -> ErrorDetail | HTTPValidationError | TimeSeries | None:
    """GET /api/v1/payments/stats/timeseries

    Args:
        metric (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetMetric.MRR.
        interval (StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval | Unset):  Default:
            StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval.DAY.
        from_ (datetime.date | None | Unset):
        to (datetime.date | None | Unset):
        test_mode (bool | Unset):  Default: True.
        currency (None | str | Unset):
        project_id (None | Unset | UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | TimeSeries
    """

    return (
        await asyncio_detailed(
            client=client,
            metric=metric,
            interval=interval,
            from_=from_,
            to=to,
            test_mode=test_mode,
            currency=currency,
            project_id=project_id,
        )
    ).parsed
