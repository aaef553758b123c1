from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mode_stats_by_currency import ModeStatsByCurrency


T = TypeVar("T", bound="ModeStats")


@_attrs_define
class ModeStats:
    """
    Attributes:
        total_subscriptions (int | Unset):  Default: 0.
        active_subscriptions (int | Unset):  Default: 0.
        total_payments (int | Unset):  Default: 0.
        successful_payments (int | Unset):  Default: 0.
        by_currency (ModeStatsByCurrency | Unset):
    """

    total_subscriptions: int | Unset = 0
    active_subscriptions: int | Unset = 0
    total_payments: int | Unset = 0
    successful_payments: int | Unset = 0
    by_currency: ModeStatsByCurrency | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_subscriptions = self.total_subscriptions

        active_subscriptions = self.active_subscriptions

        total_payments = self.total_payments

        successful_payments = self.successful_payments

        by_currency: dict[str, Any] | Unset = UNSET
        if not isinstance(self.by_currency, Unset):
            by_currency = self.by_currency.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if total_subscriptions is not UNSET:
            field_dict["total_subscriptions"] = total_subscriptions
        if active_subscriptions is not UNSET:
            field_dict["active_subscriptions"] = active_subscriptions
        if total_payments is not UNSET:
            field_dict["total_payments"] = total_payments
        if successful_payments is not UNSET:
            field_dict["successful_payments"] = successful_payments
        if by_currency is not UNSET:
            field_dict["by_currency"] = by_currency

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.mode_stats_by_currency import ModeStatsByCurrency

        d = dict(src_dict)
        total_subscriptions = d.pop("total_subscriptions", UNSET)

        active_subscriptions = d.pop("active_subscriptions", UNSET)

        total_payments = d.pop("total_payments", UNSET)

        successful_payments = d.pop("successful_payments", UNSET)

        _by_currency = d.pop("by_currency", UNSET)
        by_currency: ModeStatsByCurrency | Unset
        if isinstance(_by_currency, Unset):
            by_currency = UNSET
        else:
            by_currency = ModeStatsByCurrency.from_dict(_by_currency)

        mode_stats = cls(
            total_subscriptions=total_subscriptions,
            active_subscriptions=active_subscriptions,
            total_payments=total_payments,
            successful_payments=successful_payments,
            by_currency=by_currency,
        )

        mode_stats.additional_properties = d
        return mode_stats

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
