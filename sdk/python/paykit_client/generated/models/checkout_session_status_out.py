from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.payment_out import PaymentOut
    from ..models.subscription_out import SubscriptionOut


T = TypeVar("T", bound="CheckoutSessionStatusOut")


@_attrs_define
class CheckoutSessionStatusOut:
    """Beyond the docs: what the app's success page reads; the subscription or payment is recorded already.

    Attributes:
        session_id (str):
        mode (str):
        status (None | str | Unset):
        payment_status (None | str | Unset):
        subscription (None | SubscriptionOut | Unset):
        payment (None | PaymentOut | Unset):
    """

    session_id: str
    mode: str
    status: None | str | Unset = UNSET
    payment_status: None | str | Unset = UNSET
    subscription: None | SubscriptionOut | Unset = UNSET
    payment: None | PaymentOut | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.payment_out import PaymentOut
        from ..models.subscription_out import SubscriptionOut

        session_id = self.session_id

        mode = self.mode

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        else:
            status = self.status

        payment_status: None | str | Unset
        if isinstance(self.payment_status, Unset):
            payment_status = UNSET
        else:
            payment_status = self.payment_status

        subscription: dict[str, Any] | None | Unset
        if isinstance(self.subscription, Unset):
            subscription = UNSET
        elif isinstance(self.subscription, SubscriptionOut):
            subscription = self.subscription.to_dict()
        else:
            subscription = self.subscription

        payment: dict[str, Any] | None | Unset
        if isinstance(self.payment, Unset):
            payment = UNSET
        elif isinstance(self.payment, PaymentOut):
            payment = self.payment.to_dict()
        else:
            payment = self.payment

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "session_id": session_id,
                "mode": mode,
            }
        )
        if status is not UNSET:
            field_dict["status"] = status
        if payment_status is not UNSET:
            field_dict["payment_status"] = payment_status
        if subscription is not UNSET:
            field_dict["subscription"] = subscription
        if payment is not UNSET:
            field_dict["payment"] = payment

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.payment_out import PaymentOut
        from ..models.subscription_out import SubscriptionOut

        d = dict(src_dict)
        session_id = d.pop("session_id")

        mode = d.pop("mode")

        def _parse_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_payment_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        payment_status = _parse_payment_status(d.pop("payment_status", UNSET))

        def _parse_subscription(data: object) -> None | SubscriptionOut | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                subscription_type_0 = SubscriptionOut.from_dict(data)

                return subscription_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SubscriptionOut | Unset, data)

        subscription = _parse_subscription(d.pop("subscription", UNSET))

        def _parse_payment(data: object) -> None | PaymentOut | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payment_type_0 = PaymentOut.from_dict(data)

                return payment_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PaymentOut | Unset, data)

        payment = _parse_payment(d.pop("payment", UNSET))

        checkout_session_status_out = cls(
            session_id=session_id,
            mode=mode,
            status=status,
            payment_status=payment_status,
            subscription=subscription,
            payment=payment,
        )

        checkout_session_status_out.additional_properties = d
        return checkout_session_status_out

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
