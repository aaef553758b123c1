from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="StripeConfigRequest")


@_attrs_define
class StripeConfigRequest:
    """
    Attributes:
        test_secret_key (None | str | Unset):
        test_publishable_key (None | str | Unset):
        test_webhook_secret (None | str | Unset):
        live_secret_key (None | str | Unset):
        live_publishable_key (None | str | Unset):
        live_webhook_secret (None | str | Unset):
        allowed_redirect_origins (list[str] | None | Unset):
    """

    test_secret_key: None | str | Unset = UNSET
    test_publishable_key: None | str | Unset = UNSET
    test_webhook_secret: None | str | Unset = UNSET
    live_secret_key: None | str | Unset = UNSET
    live_publishable_key: None | str | Unset = UNSET
    live_webhook_secret: None | str | Unset = UNSET
    allowed_redirect_origins: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        test_secret_key: None | str | Unset
        if isinstance(self.test_secret_key, Unset):
            test_secret_key = UNSET
        else:
            test_secret_key = self.test_secret_key

        test_publishable_key: None | str | Unset
        if isinstance(self.test_publishable_key, Unset):
            test_publishable_key = UNSET
        else:
            test_publishable_key = self.test_publishable_key

        test_webhook_secret: None | str | Unset
        if isinstance(self.test_webhook_secret, Unset):
            test_webhook_secret = UNSET
        else:
            test_webhook_secret = self.test_webhook_secret

        live_secret_key: None | str | Unset
        if isinstance(self.live_secret_key, Unset):
            live_secret_key = UNSET
        else:
            live_secret_key = self.live_secret_key

        live_publishable_key: None | str | Unset
        if isinstance(self.live_publishable_key, Unset):
            live_publishable_key = UNSET
        else:
            live_publishable_key = self.live_publishable_key

        live_webhook_secret: None | str | Unset
        if isinstance(self.live_webhook_secret, Unset):
            live_webhook_secret = UNSET
        else:
            live_webhook_secret = self.live_webhook_secret

        allowed_redirect_origins: list[str] | None | Unset
        if isinstance(self.allowed_redirect_origins, Unset):
            allowed_redirect_origins = UNSET
        elif isinstance(self.allowed_redirect_origins, list):
            allowed_redirect_origins = self.allowed_redirect_origins

        else:
            allowed_redirect_origins = self.allowed_redirect_origins

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if test_secret_key is not UNSET:
            field_dict["test_secret_key"] = test_secret_key
        if test_publishable_key is not UNSET:
            field_dict["test_publishable_key"] = test_publishable_key
        if test_webhook_secret is not UNSET:
            field_dict["test_webhook_secret"] = test_webhook_secret
        if live_secret_key is not UNSET:
            field_dict["live_secret_key"] = live_secret_key
        if live_publishable_key is not UNSET:
            field_dict["live_publishable_key"] = live_publishable_key
        if live_webhook_secret is not UNSET:
            field_dict["live_webhook_secret"] = live_webhook_secret
        if allowed_redirect_origins is not UNSET:
            field_dict["allowed_redirect_origins"] = allowed_redirect_origins

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_test_secret_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        test_secret_key = _parse_test_secret_key(d.pop("test_secret_key", UNSET))

        def _parse_test_publishable_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        test_publishable_key = _parse_test_publishable_key(
            d.pop("test_publishable_key", UNSET)
        )

        def _parse_test_webhook_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        test_webhook_secret = _parse_test_webhook_secret(
            d.pop("test_webhook_secret", UNSET)
        )

        def _parse_live_secret_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        live_secret_key = _parse_live_secret_key(d.pop("live_secret_key", UNSET))

        def _parse_live_publishable_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        live_publishable_key = _parse_live_publishable_key(
            d.pop("live_publishable_key", UNSET)
        )

        def _parse_live_webhook_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        live_webhook_secret = _parse_live_webhook_secret(
            d.pop("live_webhook_secret", UNSET)
        )

        def _parse_allowed_redirect_origins(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_redirect_origins_type_0 = cast(list[str], data)

                return allowed_redirect_origins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        allowed_redirect_origins = _parse_allowed_redirect_origins(
            d.pop("allowed_redirect_origins", UNSET)
        )

        stripe_config_request = cls(
            test_secret_key=test_secret_key,
            test_publishable_key=test_publishable_key,
            test_webhook_secret=test_webhook_secret,
            live_secret_key=live_secret_key,
            live_publishable_key=live_publishable_key,
            live_webhook_secret=live_webhook_secret,
            allowed_redirect_origins=allowed_redirect_origins,
        )

        return stripe_config_request
