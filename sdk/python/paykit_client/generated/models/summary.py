from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Summary")


@_attrs_define
class Summary:
    """The whole range's figures (docs/metrics.md); rates are per 30 days, None when their base is 0.

    Attributes:
        mrr_start_cents (int):
        mrr_end_cents (int):
        new_mrr_cents (int):
        expansion_mrr_cents (int):
        contraction_mrr_cents (int):
        churned_mrr_cents (int):
        reactivation_mrr_cents (int):
        net_new_mrr_cents (int):
        customers_start (int):
        customers_end (int):
        new_customers (int):
        churned_customers (int):
        customer_churn_rate (float | None):
        revenue_churn_rate (float | None):
        arpu_cents (int):
        ltv_cents (int | None):
        gross_revenue_cents (int):
        refunded_cents (int):
        net_revenue_cents (int):
        failed_payments (int):
        usage_revenue_cents (int):
    """

    mrr_start_cents: int
    mrr_end_cents: int
    new_mrr_cents: int
    expansion_mrr_cents: int
    contraction_mrr_cents: int
    churned_mrr_cents: int
    reactivation_mrr_cents: int
    net_new_mrr_cents: int
    customers_start: int
    customers_end: int
    new_customers: int
    churned_customers: int
    customer_churn_rate: float | None
    revenue_churn_rate: float | None
    arpu_cents: int
    ltv_cents: int | None
    gross_revenue_cents: int
    refunded_cents: int
    net_revenue_cents: int
    failed_payments: int
    usage_revenue_cents: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        mrr_start_cents = self.mrr_start_cents

        mrr_end_cents = self.mrr_end_cents

        new_mrr_cents = self.new_mrr_cents

        expansion_mrr_cents = self.expansion_mrr_cents

        contraction_mrr_cents = self.contraction_mrr_cents

        churned_mrr_cents = self.churned_mrr_cents

        reactivation_mrr_cents = self.reactivation_mrr_cents

        net_new_mrr_cents = self.net_new_mrr_cents

        customers_start = self.customers_start

        customers_end = self.customers_end

        new_customers = self.new_customers

        churned_customers = self.churned_customers

        customer_churn_rate: float | None
        customer_churn_rate = self.customer_churn_rate

        revenue_churn_rate: float | None
        revenue_churn_rate = self.revenue_churn_rate

        arpu_cents = self.arpu_cents

        ltv_cents: int | None
        ltv_cents = self.ltv_cents

        gross_revenue_cents = self.gross_revenue_cents

        refunded_cents = self.refunded_cents

        net_revenue_cents = self.net_revenue_cents

        failed_payments = self.failed_payments

        usage_revenue_cents = self.usage_revenue_cents

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "mrr_start_cents": mrr_start_cents,
                "mrr_end_cents": mrr_end_cents,
                "new_mrr_cents": new_mrr_cents,
                "expansion_mrr_cents": expansion_mrr_cents,
                "contraction_mrr_cents": contraction_mrr_cents,
                "churned_mrr_cents": churned_mrr_cents,
                "reactivation_mrr_cents": reactivation_mrr_cents,
                "net_new_mrr_cents": net_new_mrr_cents,
                "customers_start": customers_start,
                "customers_end": customers_end,
                "new_customers": new_customers,
                "churned_customers": churned_customers,
                "customer_churn_rate": customer_churn_rate,
                "revenue_churn_rate": revenue_churn_rate,
                "arpu_cents": arpu_cents,
                "ltv_cents": ltv_cents,
                "gross_revenue_cents": gross_revenue_cents,
                "refunded_cents": refunded_cents,
                "net_revenue_cents": net_revenue_cents,
                "failed_payments": failed_payments,
                "usage_revenue_cents": usage_revenue_cents,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        mrr_start_cents = d.pop("mrr_start_cents")

        mrr_end_cents = d.pop("mrr_end_cents")

        new_mrr_cents = d.pop("new_mrr_cents")

        expansion_mrr_cents = d.pop("expansion_mrr_cents")

        contraction_mrr_cents = d.pop("contraction_mrr_cents")

        churned_mrr_cents = d.pop("churned_mrr_cents")

        reactivation_mrr_cents = d.pop("reactivation_mrr_cents")

        net_new_mrr_cents = d.pop("net_new_mrr_cents")

        customers_start = d.pop("customers_start")

        customers_end = d.pop("customers_end")

        new_customers = d.pop("new_customers")

        churned_customers = d.pop("churned_customers")

        def _parse_customer_churn_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        customer_churn_rate = _parse_customer_churn_rate(d.pop("customer_churn_rate"))

        def _parse_revenue_churn_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        revenue_churn_rate = _parse_revenue_churn_rate(d.pop("revenue_churn_rate"))

        arpu_cents = d.pop("arpu_cents")

        def _parse_ltv_cents(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ltv_cents = _parse_ltv_cents(d.pop("ltv_cents"))

        gross_revenue_cents = d.pop("gross_revenue_cents")

        refunded_cents = d.pop("refunded_cents")

        net_revenue_cents = d.pop("net_revenue_cents")

        failed_payments = d.pop("failed_payments")

        usage_revenue_cents = d.pop("usage_revenue_cents")

        summary = cls(
            mrr_start_cents=mrr_start_cents,
            mrr_end_cents=mrr_end_cents,
            new_mrr_cents=new_mrr_cents,
            expansion_mrr_cents=expansion_mrr_cents,
            contraction_mrr_cents=contraction_mrr_cents,
            churned_mrr_cents=churned_mrr_cents,
            reactivation_mrr_cents=reactivation_mrr_cents,
            net_new_mrr_cents=net_new_mrr_cents,
            customers_start=customers_start,
            customers_end=customers_end,
            new_customers=new_customers,
            churned_customers=churned_customers,
            customer_churn_rate=customer_churn_rate,
            revenue_churn_rate=revenue_churn_rate,
            arpu_cents=arpu_cents,
            ltv_cents=ltv_cents,
            gross_revenue_cents=gross_revenue_cents,
            refunded_cents=refunded_cents,
            net_revenue_cents=net_revenue_cents,
            failed_payments=failed_payments,
            usage_revenue_cents=usage_revenue_cents,
        )

        summary.additional_properties = d
        return summary

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
