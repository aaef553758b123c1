from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.time_series_interval import TimeSeriesInterval
from ..models.time_series_metric import TimeSeriesMetric
from ..models.time_series_mode import TimeSeriesMode

if TYPE_CHECKING:
    from ..models.point import Point
    from ..models.summary import Summary


T = TypeVar("T", bound="TimeSeries")


@_attrs_define
class TimeSeries:
    """
    Attributes:
        metric (TimeSeriesMetric):
        interval (TimeSeriesInterval):
        mode (TimeSeriesMode):
        currency (str):
        project_id (None | str):
        from_date (str):
        to_date (str):
        points (list[Point]):
        summary (Summary): The whole range's figures (docs/metrics.md); rates are per 30 days, None when their base is
            0.
    """

    metric: TimeSeriesMetric
    interval: TimeSeriesInterval
    mode: TimeSeriesMode
    currency: str
    project_id: None | str
    from_date: str
    to_date: str
    points: list[Point]
    summary: Summary
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        metric = self.metric.value

        interval = self.interval.value

        mode = self.mode.value

        currency = self.currency

        project_id: None | str
        project_id = self.project_id

        from_date = self.from_date

        to_date = self.to_date

        points = []
        for points_item_data in self.points:
            points_item = points_item_data.to_dict()
            points.append(points_item)

        summary = self.summary.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "metric": metric,
                "interval": interval,
                "mode": mode,
                "currency": currency,
                "project_id": project_id,
                "from_date": from_date,
                "to_date": to_date,
                "points": points,
                "summary": summary,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.point import Point
        from ..models.summary import Summary

        d = dict(src_dict)
        metric = TimeSeriesMetric(d.pop("metric"))

        interval = TimeSeriesInterval(d.pop("interval"))

        mode = TimeSeriesMode(d.pop("mode"))

        currency = d.pop("currency")

        def _parse_project_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        project_id = _parse_project_id(d.pop("project_id"))

        from_date = d.pop("from_date")

        to_date = d.pop("to_date")

        points = []
        _points = d.pop("points")
        for points_item_data in _points:
            points_item = Point.from_dict(points_item_data)

            points.append(points_item)

        summary = Summary.from_dict(d.pop("summary"))

        time_series = cls(
            metric=metric,
            interval=interval,
            mode=mode,
            currency=currency,
            project_id=project_id,
            from_date=from_date,
            to_date=to_date,
            points=points,
            summary=summary,
        )

        time_series.additional_properties = d
        return time_series

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
