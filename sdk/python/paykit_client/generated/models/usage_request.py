from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UsageRequest")


@_attrs_define
class UsageRequest:
    """
    Attributes:
        feature (str):
        quantity (int | Unset):  Default: 1.
    """

    feature: str
    quantity: int | Unset = 1

    def to_dict(self) -> dict[str, Any]:
        feature = self.feature

        quantity = self.quantity

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "feature": feature,
            }
        )
        if quantity is not UNSET:
            field_dict["quantity"] = quantity

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        feature = d.pop("feature")

        quantity = d.pop("quantity", UNSET)

        usage_request = cls(
            feature=feature,
            quantity=quantity,
        )

        return usage_request
