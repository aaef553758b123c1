from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PreviewOut")


@_attrs_define
class PreviewOut:
    """Beyond the docs: what a plan change would invoice, from Stripe's invoice preview; nothing is changed.

    Attributes:
        subscription_id (str):
        price_id (str):
        proration_behavior (str):
        currency (str):
        amount_due_now (int): cents invoiced at once (always_invoice), else 0
        next_invoice_amount (int): cents of the next regular invoice, prorations included
        next_invoice_at (datetime.datetime | None | Unset):
    """

    subscription_id: str
    price_id: str
    proration_behavior: str
    currency: str
    amount_due_now: int
    next_invoice_amount: int
    next_invoice_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        subscription_id = self.subscription_id

        price_id = self.price_id

        proration_behavior = self.proration_behavior

        currency = self.currency

        amount_due_now = self.amount_due_now

        next_invoice_amount = self.next_invoice_amount

        next_invoice_at: None | str | Unset
        if isinstance(self.next_invoice_at, Unset):
            next_invoice_at = UNSET
        elif isinstance(self.next_invoice_at, datetime.datetime):
            next_invoice_at = self.next_invoice_at.isoformat()
        else:
            next_invoice_at = self.next_invoice_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "subscription_id": subscription_id,
                "price_id": price_id,
                "proration_behavior": proration_behavior,
                "currency": currency,
                "amount_due_now": amount_due_now,
                "next_invoice_amount": next_invoice_amount,
            }
        )
        if next_invoice_at is not UNSET:
            field_dict["next_invoice_at"] = next_invoice_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        subscription_id = d.pop("subscription_id")

        price_id = d.pop("price_id")

        proration_behavior = d.pop("proration_behavior")

        currency = d.pop("currency")

        amount_due_now = d.pop("amount_due_now")

        next_invoice_amount = d.pop("next_invoice_amount")

        def _parse_next_invoice_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_invoice_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_invoice_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_invoice_at = _parse_next_invoice_at(d.pop("next_invoice_at", UNSET))

        preview_out = cls(
            subscription_id=subscription_id,
            price_id=price_id,
            proration_behavior=proration_behavior,
            currency=currency,
            amount_due_now=amount_due_now,
            next_invoice_amount=next_invoice_amount,
            next_invoice_at=next_invoice_at,
        )

        preview_out.additional_properties = d
        return preview_out

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
