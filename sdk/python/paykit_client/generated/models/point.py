from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Point")


@_attrs_define
class Point:
    """One period: `date` is its first day (UTC; weeks start on Monday). `value` is the metric's figure; for
    `mrr_movements` it is net new MRR and the five movements are given too.

        Attributes:
            date (str):
            value (int):
            new (int | None | Unset):
            expansion (int | None | Unset):
            contraction (int | None | Unset):
            churn (int | None | Unset):
            reactivation (int | None | Unset):
    """

    date: str
    value: int
    new: int | None | Unset = UNSET
    expansion: int | None | Unset = UNSET
    contraction: int | None | Unset = UNSET
    churn: int | None | Unset = UNSET
    reactivation: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        date = self.date

        value = self.value

        new: int | None | Unset
        if isinstance(self.new, Unset):
            new = UNSET
        else:
            new = self.new

        expansion: int | None | Unset
        if isinstance(self.expansion, Unset):
            expansion = UNSET
        else:
            expansion = self.expansion

        contraction: int | None | Unset
        if isinstance(self.contraction, Unset):
            contraction = UNSET
        else:
            contraction = self.contraction

        churn: int | None | Unset
        if isinstance(self.churn, Unset):
            churn = UNSET
        else:
            churn = self.churn

        reactivation: int | None | Unset
        if isinstance(self.reactivation, Unset):
            reactivation = UNSET
        else:
            reactivation = self.reactivation

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "date": date,
                "value": value,
            }
        )
        if new is not UNSET:
            field_dict["new"] = new
        if expansion is not UNSET:
            field_dict["expansion"] = expansion
        if contraction is not UNSET:
            field_dict["contraction"] = contraction
        if churn is not UNSET:
            field_dict["churn"] = churn
        if reactivation is not UNSET:
            field_dict["reactivation"] = reactivation

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        date = d.pop("date")

        value = d.pop("value")

        def _parse_new(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        new = _parse_new(d.pop("new", UNSET))

        def _parse_expansion(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expansion = _parse_expansion(d.pop("expansion", UNSET))

        def _parse_contraction(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        contraction = _parse_contraction(d.pop("contraction", UNSET))

        def _parse_churn(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        churn = _parse_churn(d.pop("churn", UNSET))

        def _parse_reactivation(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        reactivation = _parse_reactivation(d.pop("reactivation", UNSET))

        point = cls(
            date=date,
            value=value,
            new=new,
            expansion=expansion,
            contraction=contraction,
            churn=churn,
            reactivation=reactivation,
        )

        point.additional_properties = d
        return point

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
