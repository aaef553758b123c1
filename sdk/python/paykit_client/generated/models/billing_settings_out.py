from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BillingSettingsOut")


@_attrs_define
class BillingSettingsOut:
    """
    Attributes:
        past_due_grace_days (int | Unset):  Default: 7.
        hard_limits (bool | Unset):  Default: False.
        allow_promotion_codes (bool | Unset):  Default: False.
        max_trial_period_days (int | Unset):  Default: 0.
    """

    past_due_grace_days: int | Unset = 7
    hard_limits: bool | Unset = False
    allow_promotion_codes: bool | Unset = False
    max_trial_period_days: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        past_due_grace_days = self.past_due_grace_days

        hard_limits = self.hard_limits

        allow_promotion_codes = self.allow_promotion_codes

        max_trial_period_days = self.max_trial_period_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if past_due_grace_days is not UNSET:
            field_dict["past_due_grace_days"] = past_due_grace_days
        if hard_limits is not UNSET:
            field_dict["hard_limits"] = hard_limits
        if allow_promotion_codes is not UNSET:
            field_dict["allow_promotion_codes"] = allow_promotion_codes
        if max_trial_period_days is not UNSET:
            field_dict["max_trial_period_days"] = max_trial_period_days

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        past_due_grace_days = d.pop("past_due_grace_days", UNSET)

        hard_limits = d.pop("hard_limits", UNSET)

        allow_promotion_codes = d.pop("allow_promotion_codes", UNSET)

        max_trial_period_days = d.pop("max_trial_period_days", UNSET)

        billing_settings_out = cls(
            past_due_grace_days=past_due_grace_days,
            hard_limits=hard_limits,
            allow_promotion_codes=allow_promotion_codes,
            max_trial_period_days=max_trial_period_days,
        )

        billing_settings_out.additional_properties = d
        return billing_settings_out

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
