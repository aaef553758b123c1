from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.feature_out_kind import FeatureOutKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="FeatureOut")


@_attrs_define
class FeatureOut:
    """
    Attributes:
        key (str):
        lookup_key (str):
        name (str):
        kind (FeatureOutKind):
        stripe_feature_id (str):
        limit (int | None | Unset):
        value (None | str | Unset):
        meter_id (None | str | Unset):
        products (list[str] | Unset):
    """

    key: str
    lookup_key: str
    name: str
    kind: FeatureOutKind
    stripe_feature_id: str
    limit: int | None | Unset = UNSET
    value: None | str | Unset = UNSET
    meter_id: None | str | Unset = UNSET
    products: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        lookup_key = self.lookup_key

        name = self.name

        kind = self.kind.value

        stripe_feature_id = self.stripe_feature_id

        limit: int | None | Unset
        if isinstance(self.limit, Unset):
            limit = UNSET
        else:
            limit = self.limit

        value: None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        meter_id: None | str | Unset
        if isinstance(self.meter_id, Unset):
            meter_id = UNSET
        else:
            meter_id = self.meter_id

        products: list[str] | Unset = UNSET
        if not isinstance(self.products, Unset):
            products = self.products

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key": key,
                "lookup_key": lookup_key,
                "name": name,
                "kind": kind,
                "stripe_feature_id": stripe_feature_id,
            }
        )
        if limit is not UNSET:
            field_dict["limit"] = limit
        if value is not UNSET:
            field_dict["value"] = value
        if meter_id is not UNSET:
            field_dict["meter_id"] = meter_id
        if products is not UNSET:
            field_dict["products"] = products

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        lookup_key = d.pop("lookup_key")

        name = d.pop("name")

        kind = FeatureOutKind(d.pop("kind"))

        stripe_feature_id = d.pop("stripe_feature_id")

        def _parse_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        limit = _parse_limit(d.pop("limit", UNSET))

        def _parse_value(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        def _parse_meter_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        meter_id = _parse_meter_id(d.pop("meter_id", UNSET))

        products = cast(list[str], d.pop("products", UNSET))

        feature_out = cls(
            key=key,
            lookup_key=lookup_key,
            name=name,
            kind=kind,
            stripe_feature_id=stripe_feature_id,
            limit=limit,
            value=value,
            meter_id=meter_id,
            products=products,
        )

        feature_out.additional_properties = d
        return feature_out

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
