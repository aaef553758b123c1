from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CurrencyStats")


@_attrs_define
class CurrencyStats:
    """One (mode, currency): amounts in cents of that currency only. Definitions: docs/metrics.md.

    Attributes:
        revenue_cents (int | Unset):  Default: 0.
        gross_revenue_cents (int | Unset):  Default: 0.
        refunded_cents (int | Unset):  Default: 0.
        net_revenue_cents (int | Unset):  Default: 0.
        usage_revenue_cents (int | Unset):  Default: 0.
        mrr_cents (int | Unset):  Default: 0.
        trialing_mrr_cents (int | Unset):  Default: 0.
        arpu_cents (int | Unset):  Default: 0.
        active_subscriptions (int | Unset):  Default: 0.
        past_due_subscriptions (int | Unset):  Default: 0.
        trialing_subscriptions (int | Unset):  Default: 0.
        gross_revenue_30d_cents (int | Unset):  Default: 0.
        refunded_30d_cents (int | Unset):  Default: 0.
        net_revenue_30d_cents (int | Unset):  Default: 0.
        failed_payments_30d (int | Unset):  Default: 0.
        cancellations_30d (int | Unset):  Default: 0.
    """

    revenue_cents: int | Unset = 0
    gross_revenue_cents: int | Unset = 0
    refunded_cents: int | Unset = 0
    net_revenue_cents: int | Unset = 0
    usage_revenue_cents: int | Unset = 0
    mrr_cents: int | Unset = 0
    trialing_mrr_cents: int | Unset = 0
    arpu_cents: int | Unset = 0
    active_subscriptions: int | Unset = 0
    past_due_subscriptions: int | Unset = 0
    trialing_subscriptions: int | Unset = 0
    gross_revenue_30d_cents: int | Unset = 0
    refunded_30d_cents: int | Unset = 0
    net_revenue_30d_cents: int | Unset = 0
    failed_payments_30d: int | Unset = 0
    cancellations_30d: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        revenue_cents = self.revenue_cents

        gross_revenue_cents = self.gross_revenue_cents

        refunded_cents = self.refunded_cents

        net_revenue_cents = self.net_revenue_cents

        usage_revenue_cents = self.usage_revenue_cents

        mrr_cents = self.mrr_cents

        trialing_mrr_cents = self.trialing_mrr_cents

        arpu_cents = self.arpu_cents

        active_subscriptions = self.active_subscriptions

        past_due_subscriptions = self.past_due_subscriptions

        trialing_subscriptions = self.trialing_subscriptions

        gross_revenue_30d_cents = self.gross_revenue_30d_cents

        refunded_30d_cents = self.refunded_30d_cents

        net_revenue_30d_cents = self.net_revenue_30d_cents

        failed_payments_30d = self.failed_payments_30d

        cancellations_30d = self.cancellations_30d

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if revenue_cents is not UNSET:
            field_dict["revenue_cents"] = revenue_cents
        if gross_revenue_cents is not UNSET:
            field_dict["gross_revenue_cents"] = gross_revenue_cents
        if refunded_cents is not UNSET:
            field_dict["refunded_cents"] = refunded_cents
        if net_revenue_cents is not UNSET:
            field_dict["net_revenue_cents"] = net_revenue_cents
        if usage_revenue_cents is not UNSET:
            field_dict["usage_revenue_cents"] = usage_revenue_cents
        if mrr_cents is not UNSET:
            field_dict["mrr_cents"] = mrr_cents
        if trialing_mrr_cents is not UNSET:
            field_dict["trialing_mrr_cents"] = trialing_mrr_cents
        if arpu_cents is not UNSET:
            field_dict["arpu_cents"] = arpu_cents
        if active_subscriptions is not UNSET:
            field_dict["active_subscriptions"] = active_subscriptions
        if past_due_subscriptions is not UNSET:
            field_dict["past_due_subscriptions"] = past_due_subscriptions
        if trialing_subscriptions is not UNSET:
            field_dict["trialing_subscriptions"] = trialing_subscriptions
        if gross_revenue_30d_cents is not UNSET:
            field_dict["gross_revenue_30d_cents"] = gross_revenue_30d_cents
        if refunded_30d_cents is not UNSET:
            field_dict["refunded_30d_cents"] = refunded_30d_cents
        if net_revenue_30d_cents is not UNSET:
            field_dict["net_revenue_30d_cents"] = net_revenue_30d_cents
        if failed_payments_30d is not UNSET:
            field_dict["failed_payments_30d"] = failed_payments_30d
        if cancellations_30d is not UNSET:
            field_dict["cancellations_30d"] = cancellations_30d

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        revenue_cents = d.pop("revenue_cents", UNSET)

        gross_revenue_cents = d.pop("gross_revenue_cents", UNSET)

        refunded_cents = d.pop("refunded_cents", UNSET)

        net_revenue_cents = d.pop("net_revenue_cents", UNSET)

        usage_revenue_cents = d.pop("usage_revenue_cents", UNSET)

        mrr_cents = d.pop("mrr_cents", UNSET)

        trialing_mrr_cents = d.pop("trialing_mrr_cents", UNSET)

        arpu_cents = d.pop("arpu_cents", UNSET)

        active_subscriptions = d.pop("active_subscriptions", UNSET)

        past_due_subscriptions = d.pop("past_due_subscriptions", UNSET)

        trialing_subscriptions = d.pop("trialing_subscriptions", UNSET)

        gross_revenue_30d_cents = d.pop("gross_revenue_30d_cents", UNSET)

        refunded_30d_cents = d.pop("refunded_30d_cents", UNSET)

        net_revenue_30d_cents = d.pop("net_revenue_30d_cents", UNSET)

        failed_payments_30d = d.pop("failed_payments_30d", UNSET)

        cancellations_30d = d.pop("cancellations_30d", UNSET)

        currency_stats = cls(
            revenue_cents=revenue_cents,
            gross_revenue_cents=gross_revenue_cents,
            refunded_cents=refunded_cents,
            net_revenue_cents=net_revenue_cents,
            usage_revenue_cents=usage_revenue_cents,
            mrr_cents=mrr_cents,
            trialing_mrr_cents=trialing_mrr_cents,
            arpu_cents=arpu_cents,
            active_subscriptions=active_subscriptions,
            past_due_subscriptions=past_due_subscriptions,
            trialing_subscriptions=trialing_subscriptions,
            gross_revenue_30d_cents=gross_revenue_30d_cents,
            refunded_30d_cents=refunded_30d_cents,
            net_revenue_30d_cents=net_revenue_30d_cents,
            failed_payments_30d=failed_payments_30d,
            cancellations_30d=cancellations_30d,
        )

        currency_stats.additional_properties = d
        return currency_stats

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
