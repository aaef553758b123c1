from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.checkout_request_mode import CheckoutRequestMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.checkout_request_metadata_type_0 import CheckoutRequestMetadataType0


T = TypeVar("T", bound="CheckoutRequest")


@_attrs_define
class CheckoutRequest:
    """
    Attributes:
        price_id (str):
        success_url (str):
        cancel_url (str):
        mode (CheckoutRequestMode | Unset):  Default: CheckoutRequestMode.SUBSCRIPTION.
        quantity (int | Unset):  Default: 1.
        metadata (CheckoutRequestMetadataType0 | None | Unset):
        allow_existing_subscription (bool | Unset):  Default: False.
        allow_promotion_codes (bool | None | Unset):
        promotion_code (None | str | Unset):
        trial_period_days (int | None | Unset):
    """

    price_id: str
    success_url: str
    cancel_url: str
    mode: CheckoutRequestMode | Unset = CheckoutRequestMode.SUBSCRIPTION
    quantity: int | Unset = 1
    metadata: CheckoutRequestMetadataType0 | None | Unset = UNSET
    allow_existing_subscription: bool | Unset = False
    allow_promotion_codes: bool | None | Unset = UNSET
    promotion_code: None | str | Unset = UNSET
    trial_period_days: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.checkout_request_metadata_type_0 import (
            CheckoutRequestMetadataType0,
        )

        price_id = self.price_id

        success_url = self.success_url

        cancel_url = self.cancel_url

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        quantity = self.quantity

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CheckoutRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        allow_existing_subscription = self.allow_existing_subscription

        allow_promotion_codes: bool | None | Unset
        if isinstance(self.allow_promotion_codes, Unset):
            allow_promotion_codes = UNSET
        else:
            allow_promotion_codes = self.allow_promotion_codes

        promotion_code: None | str | Unset
        if isinstance(self.promotion_code, Unset):
            promotion_code = UNSET
        else:
            promotion_code = self.promotion_code

        trial_period_days: int | None | Unset
        if isinstance(self.trial_period_days, Unset):
            trial_period_days = UNSET
        else:
            trial_period_days = self.trial_period_days

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "price_id": price_id,
                "success_url": success_url,
                "cancel_url": cancel_url,
            }
        )
        if mode is not UNSET:
            field_dict["mode"] = mode
        if quantity is not UNSET:
            field_dict["quantity"] = quantity
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if allow_existing_subscription is not UNSET:
            field_dict["allow_existing_subscription"] = allow_existing_subscription
        if allow_promotion_codes is not UNSET:
            field_dict["allow_promotion_codes"] = allow_promotion_codes
        if promotion_code is not UNSET:
            field_dict["promotion_code"] = promotion_code
        if trial_period_days is not UNSET:
            field_dict["trial_period_days"] = trial_period_days

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.checkout_request_metadata_type_0 import (
            CheckoutRequestMetadataType0,
        )

        d = dict(src_dict)
        price_id = d.pop("price_id")

        success_url = d.pop("success_url")

        cancel_url = d.pop("cancel_url")

        _mode = d.pop("mode", UNSET)
        mode: CheckoutRequestMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = CheckoutRequestMode(_mode)

        quantity = d.pop("quantity", UNSET)

        def _parse_metadata(
            data: object,
        ) -> CheckoutRequestMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CheckoutRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckoutRequestMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        allow_existing_subscription = d.pop("allow_existing_subscription", UNSET)

        def _parse_allow_promotion_codes(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        allow_promotion_codes = _parse_allow_promotion_codes(
            d.pop("allow_promotion_codes", UNSET)
        )

        def _parse_promotion_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        promotion_code = _parse_promotion_code(d.pop("promotion_code", UNSET))

        def _parse_trial_period_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        trial_period_days = _parse_trial_period_days(d.pop("trial_period_days", UNSET))

        checkout_request = cls(
            price_id=price_id,
            success_url=success_url,
            cancel_url=cancel_url,
            mode=mode,
            quantity=quantity,
            metadata=metadata,
            allow_existing_subscription=allow_existing_subscription,
            allow_promotion_codes=allow_promotion_codes,
            promotion_code=promotion_code,
            trial_period_days=trial_period_days,
        )

        return checkout_request
