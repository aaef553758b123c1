from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.payment_stats_by_currency import PaymentStatsByCurrency
    from ..models.payment_stats_by_mode import PaymentStatsByMode


T = TypeVar("T", bound="PaymentStats")


@_attrs_define
class PaymentStats:
    """
    Attributes:
        total_projects (int):
        projects_with_config (int):
        projects_with_test (int):
        projects_with_live (int):
        total_subscriptions (int):
        active_subscriptions (int):
        total_payments (int):
        successful_payments (int):
        total_revenue_cents (int):
        currency (str | Unset):  Default: 'usd'.
        revenue_mode (str | Unset):  Default: 'live'.
        by_mode (PaymentStatsByMode | Unset):
        by_currency (PaymentStatsByCurrency | Unset):
    """

    total_projects: int
    projects_with_config: int
    projects_with_test: int
    projects_with_live: int
    total_subscriptions: int
    active_subscriptions: int
    total_payments: int
    successful_payments: int
    total_revenue_cents: int
    currency: str | Unset = "usd"
    revenue_mode: str | Unset = "live"
    by_mode: PaymentStatsByMode | Unset = UNSET
    by_currency: PaymentStatsByCurrency | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_projects = self.total_projects

        projects_with_config = self.projects_with_config

        projects_with_test = self.projects_with_test

        projects_with_live = self.projects_with_live

        total_subscriptions = self.total_subscriptions

        active_subscriptions = self.active_subscriptions

        total_payments = self.total_payments

        successful_payments = self.successful_payments

        total_revenue_cents = self.total_revenue_cents

        currency = self.currency

        revenue_mode = self.revenue_mode

        by_mode: dict[str, Any] | Unset = UNSET
        if not isinstance(self.by_mode, Unset):
            by_mode = self.by_mode.to_dict()

        by_currency: dict[str, Any] | Unset = UNSET
        if not isinstance(self.by_currency, Unset):
            by_currency = self.by_currency.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total_projects": total_projects,
                "projects_with_config": projects_with_config,
                "projects_with_test": projects_with_test,
                "projects_with_live": projects_with_live,
                "total_subscriptions": total_subscriptions,
                "active_subscriptions": active_subscriptions,
                "total_payments": total_payments,
                "successful_payments": successful_payments,
                "total_revenue_cents": total_revenue_cents,
            }
        )
        if currency is not UNSET:
            field_dict["currency"] = currency
        if revenue_mode is not UNSET:
            field_dict["revenue_mode"] = revenue_mode
        if by_mode is not UNSET:
            field_dict["by_mode"] = by_mode
        if by_currency is not UNSET:
            field_dict["by_currency"] = by_currency

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.payment_stats_by_currency import PaymentStatsByCurrency
        from ..models.payment_stats_by_mode import PaymentStatsByMode

        d = dict(src_dict)
        total_projects = d.pop("total_projects")

        projects_with_config = d.pop("projects_with_config")

        projects_with_test = d.pop("projects_with_test")

        projects_with_live = d.pop("projects_with_live")

        total_subscriptions = d.pop("total_subscriptions")

        active_subscriptions = d.pop("active_subscriptions")

        total_payments = d.pop("total_payments")

        successful_payments = d.pop("successful_payments")

        total_revenue_cents = d.pop("total_revenue_cents")

        currency = d.pop("currency", UNSET)

        revenue_mode = d.pop("revenue_mode", UNSET)

        _by_mode = d.pop("by_mode", UNSET)
        by_mode: PaymentStatsByMode | Unset
        if isinstance(_by_mode, Unset):
            by_mode = UNSET
        else:
            by_mode = PaymentStatsByMode.from_dict(_by_mode)

        _by_currency = d.pop("by_currency", UNSET)
        by_currency: PaymentStatsByCurrency | Unset
        if isinstance(_by_currency, Unset):
            by_currency = UNSET
        else:
            by_currency = PaymentStatsByCurrency.from_dict(_by_currency)

        payment_stats = cls(
            total_projects=total_projects,
            projects_with_config=projects_with_config,
            projects_with_test=projects_with_test,
            projects_with_live=projects_with_live,
            total_subscriptions=total_subscriptions,
            active_subscriptions=active_subscriptions,
            total_payments=total_payments,
            successful_payments=successful_payments,
            total_revenue_cents=total_revenue_cents,
            currency=currency,
            revenue_mode=revenue_mode,
            by_mode=by_mode,
            by_currency=by_currency,
        )

        payment_stats.additional_properties = d
        return payment_stats

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
