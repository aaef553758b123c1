from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProjectPaymentOut")


@_attrs_define
class ProjectPaymentOut:
    """A listed payment (E11, E2, exports): the documented fields, then the transaction `type` (an addition).

    Attributes:
        id (UUID):
        project_id (UUID):
        is_test_mode (bool):
        payment_intent_id (str):
        status (str):
        amount_cents (int):
        currency (str):
        created_at (datetime.datetime):
        subscription_id (None | Unset | UUID):
        user_id (None | str | Unset):
        description (None | str | Unset):
        refunded_amount_cents (int | Unset):  Default: 0.
        discount_cents (int | Unset):  Default: 0.
        type_ (None | str | Unset): initial_payment, subscription_payment, proration_charge, proration_credit, refund or
            one_time_payment; null while no invoice or checkout has said
    """

    id: UUID
    project_id: UUID
    is_test_mode: bool
    payment_intent_id: str
    status: str
    amount_cents: int
    currency: str
    created_at: datetime.datetime
    subscription_id: None | Unset | UUID = UNSET
    user_id: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    refunded_amount_cents: int | Unset = 0
    discount_cents: int | Unset = 0
    type_: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        project_id = str(self.project_id)

        is_test_mode = self.is_test_mode

        payment_intent_id = self.payment_intent_id

        status = self.status

        amount_cents = self.amount_cents

        currency = self.currency

        created_at = self.created_at.isoformat()

        subscription_id: None | str | Unset
        if isinstance(self.subscription_id, Unset):
            subscription_id = UNSET
        elif isinstance(self.subscription_id, UUID):
            subscription_id = str(self.subscription_id)
        else:
            subscription_id = self.subscription_id

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        refunded_amount_cents = self.refunded_amount_cents

        discount_cents = self.discount_cents

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "project_id": project_id,
                "is_test_mode": is_test_mode,
                "payment_intent_id": payment_intent_id,
                "status": status,
                "amount_cents": amount_cents,
                "currency": currency,
                "created_at": created_at,
            }
        )
        if subscription_id is not UNSET:
            field_dict["subscription_id"] = subscription_id
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if description is not UNSET:
            field_dict["description"] = description
        if refunded_amount_cents is not UNSET:
            field_dict["refunded_amount_cents"] = refunded_amount_cents
        if discount_cents is not UNSET:
            field_dict["discount_cents"] = discount_cents
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        project_id = UUID(d.pop("project_id"))

        is_test_mode = d.pop("is_test_mode")

        payment_intent_id = d.pop("payment_intent_id")

        status = d.pop("status")

        amount_cents = d.pop("amount_cents")

        currency = d.pop("currency")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_subscription_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subscription_id_type_0 = UUID(data)

                return subscription_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        subscription_id = _parse_subscription_id(d.pop("subscription_id", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        refunded_amount_cents = d.pop("refunded_amount_cents", UNSET)

        discount_cents = d.pop("discount_cents", UNSET)

        def _parse_type_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        project_payment_out = cls(
            id=id,
            project_id=project_id,
            is_test_mode=is_test_mode,
            payment_intent_id=payment_intent_id,
            status=status,
            amount_cents=amount_cents,
            currency=currency,
            created_at=created_at,
            subscription_id=subscription_id,
            user_id=user_id,
            description=description,
            refunded_amount_cents=refunded_amount_cents,
            discount_cents=discount_cents,
            type_=type_,
        )

        project_payment_out.additional_properties = d
        return project_payment_out

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
