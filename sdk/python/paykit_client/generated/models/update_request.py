from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.update_request_proration_behavior import UpdateRequestProrationBehavior
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateRequest")


@_attrs_define
class UpdateRequest:
    """
    Attributes:
        new_price_id (str):
        proration_behavior (UpdateRequestProrationBehavior | Unset):  Default:
            UpdateRequestProrationBehavior.CREATE_PRORATIONS.
    """

    new_price_id: str
    proration_behavior: UpdateRequestProrationBehavior | Unset = (
        UpdateRequestProrationBehavior.CREATE_PRORATIONS
    )

    def to_dict(self) -> dict[str, Any]:
        new_price_id = self.new_price_id

        proration_behavior: str | Unset = UNSET
        if not isinstance(self.proration_behavior, Unset):
            proration_behavior = self.proration_behavior.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "new_price_id": new_price_id,
            }
        )
        if proration_behavior is not UNSET:
            field_dict["proration_behavior"] = proration_behavior

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        new_price_id = d.pop("new_price_id")

        _proration_behavior = d.pop("proration_behavior", UNSET)
        proration_behavior: UpdateRequestProrationBehavior | Unset
        if isinstance(_proration_behavior, Unset):
            proration_behavior = UNSET
        else:
            proration_behavior = UpdateRequestProrationBehavior(_proration_behavior)

        update_request = cls(
            new_price_id=new_price_id,
            proration_behavior=proration_behavior,
        )

        return update_request
