from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ProductFeatureRequest")


@_attrs_define
class ProductFeatureRequest:
    """
    Attributes:
        feature (str):
    """

    feature: str

    def to_dict(self) -> dict[str, Any]:
        feature = self.feature

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "feature": feature,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        feature = d.pop("feature")

        product_feature_request = cls(
            feature=feature,
        )

        return product_feature_request
