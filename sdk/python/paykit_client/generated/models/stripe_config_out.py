from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="StripeConfigOut")


@_attrs_define
class StripeConfigOut:
    """
    Attributes:
        id (UUID):
        project_id (UUID):
        is_active (bool):
        has_test_credentials (bool):
        has_live_credentials (bool):
        created_at (datetime.datetime):
        test_secret_key_masked (None | str | Unset):
        test_publishable_key_masked (None | str | Unset):
        test_webhook_secret_masked (None | str | Unset):
        live_secret_key_masked (None | str | Unset):
        live_publishable_key_masked (None | str | Unset):
        live_webhook_secret_masked (None | str | Unset):
        test_configured_at (datetime.datetime | None | Unset):
        live_configured_at (datetime.datetime | None | Unset):
        updated_at (datetime.datetime | None | Unset):
        allowed_redirect_origins (list[str] | Unset):
    """

    id: UUID
    project_id: UUID
    is_active: bool
    has_test_credentials: bool
    has_live_credentials: bool
    created_at: datetime.datetime
    test_secret_key_masked: None | str | Unset = UNSET
    test_publishable_key_masked: None | str | Unset = UNSET
    test_webhook_secret_masked: None | str | Unset = UNSET
    live_secret_key_masked: None | str | Unset = UNSET
    live_publishable_key_masked: None | str | Unset = UNSET
    live_webhook_secret_masked: None | str | Unset = UNSET
    test_configured_at: datetime.datetime | None | Unset = UNSET
    live_configured_at: datetime.datetime | None | Unset = UNSET
    updated_at: datetime.datetime | None | Unset = UNSET
    allowed_redirect_origins: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        project_id = str(self.project_id)

        is_active = self.is_active

        has_test_credentials = self.has_test_credentials

        has_live_credentials = self.has_live_credentials

        created_at = self.created_at.isoformat()

        test_secret_key_masked: None | str | Unset
        if isinstance(self.test_secret_key_masked, Unset):
            test_secret_key_masked = UNSET
        else:
            test_secret_key_masked = self.test_secret_key_masked

        test_publishable_key_masked: None | str | Unset
        if isinstance(self.test_publishable_key_masked, Unset):
            test_publishable_key_masked = UNSET
        else:
            test_publishable_key_masked = self.test_publishable_key_masked

        test_webhook_secret_masked: None | str | Unset
        if isinstance(self.test_webhook_secret_masked, Unset):
            test_webhook_secret_masked = UNSET
        else:
            test_webhook_secret_masked = self.test_webhook_secret_masked

        live_secret_key_masked: None | str | Unset
        if isinstance(self.live_secret_key_masked, Unset):
            live_secret_key_masked = UNSET
        else:
            live_secret_key_masked = self.live_secret_key_masked

        live_publishable_key_masked: None | str | Unset
        if isinstance(self.live_publishable_key_masked, Unset):
            live_publishable_key_masked = UNSET
        else:
            live_publishable_key_masked = self.live_publishable_key_masked

        live_webhook_secret_masked: None | str | Unset
        if isinstance(self.live_webhook_secret_masked, Unset):
            live_webhook_secret_masked = UNSET
        else:
            live_webhook_secret_masked = self.live_webhook_secret_masked

        test_configured_at: None | str | Unset
        if isinstance(self.test_configured_at, Unset):
            test_configured_at = UNSET
        elif isinstance(self.test_configured_at, datetime.datetime):
            test_configured_at = self.test_configured_at.isoformat()
        else:
            test_configured_at = self.test_configured_at

        live_configured_at: None | str | Unset
        if isinstance(self.live_configured_at, Unset):
            live_configured_at = UNSET
        elif isinstance(self.live_configured_at, datetime.datetime):
            live_configured_at = self.live_configured_at.isoformat()
        else:
            live_configured_at = self.live_configured_at

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        elif isinstance(self.updated_at, datetime.datetime):
            updated_at = self.updated_at.isoformat()
        else:
            updated_at = self.updated_at

        allowed_redirect_origins: list[str] | Unset = UNSET
        if not isinstance(self.allowed_redirect_origins, Unset):
            allowed_redirect_origins = self.allowed_redirect_origins

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "project_id": project_id,
                "is_active": is_active,
                "has_test_credentials": has_test_credentials,
                "has_live_credentials": has_live_credentials,
                "created_at": created_at,
            }
        )
        if test_secret_key_masked is not UNSET:
            field_dict["test_secret_key_masked"] = test_secret_key_masked
        if test_publishable_key_masked is not UNSET:
            field_dict["test_publishable_key_masked"] = test_publishable_key_masked
        if test_webhook_secret_masked is not UNSET:
            field_dict["test_webhook_secret_masked"] = test_webhook_secret_masked
        if live_secret_key_masked is not UNSET:
            field_dict["live_secret_key_masked"] = live_secret_key_masked
        if live_publishable_key_masked is not UNSET:
            field_dict["live_publishable_key_masked"] = live_publishable_key_masked
        if live_webhook_secret_masked is not UNSET:
            field_dict["live_webhook_secret_masked"] = live_webhook_secret_masked
        if test_configured_at is not UNSET:
            field_dict["test_configured_at"] = test_configured_at
        if live_configured_at is not UNSET:
            field_dict["live_configured_at"] = live_configured_at
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at
        if allowed_redirect_origins is not UNSET:
            field_dict["allowed_redirect_origins"] = allowed_redirect_origins

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        project_id = UUID(d.pop("project_id"))

        is_active = d.pop("is_active")

        has_test_credentials = d.pop("has_test_credentials")

        has_live_credentials = d.pop("has_live_credentials")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_test_secret_key_masked(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        test_secret_key_masked = _parse_test_secret_key_masked(
            d.pop("test_secret_key_masked", UNSET)
        )

        def _parse_test_publishable_key_masked(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        test_publishable_key_masked = _parse_test_publishable_key_masked(
            d.pop("test_publishable_key_masked", UNSET)
        )

        def _parse_test_webhook_secret_masked(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        test_webhook_secret_masked = _parse_test_webhook_secret_masked(
            d.pop("test_webhook_secret_masked", UNSET)
        )

        def _parse_live_secret_key_masked(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        live_secret_key_masked = _parse_live_secret_key_masked(
            d.pop("live_secret_key_masked", UNSET)
        )

        def _parse_live_publishable_key_masked(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        live_publishable_key_masked = _parse_live_publishable_key_masked(
            d.pop("live_publishable_key_masked", UNSET)
        )

        def _parse_live_webhook_secret_masked(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        live_webhook_secret_masked = _parse_live_webhook_secret_masked(
            d.pop("live_webhook_secret_masked", UNSET)
        )

        def _parse_test_configured_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                test_configured_at_type_0 = datetime.datetime.fromisoformat(data)

                return test_configured_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        test_configured_at = _parse_test_configured_at(
            d.pop("test_configured_at", UNSET)
        )

        def _parse_live_configured_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                live_configured_at_type_0 = datetime.datetime.fromisoformat(data)

                return live_configured_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        live_configured_at = _parse_live_configured_at(
            d.pop("live_configured_at", UNSET)
        )

        def _parse_updated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_at_type_0 = datetime.datetime.fromisoformat(data)

                return updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        updated_at = _parse_updated_at(d.pop("updated_at", UNSET))

        allowed_redirect_origins = cast(
            list[str], d.pop("allowed_redirect_origins", UNSET)
        )

        stripe_config_out = cls(
            id=id,
            project_id=project_id,
            is_active=is_active,
            has_test_credentials=has_test_credentials,
            has_live_credentials=has_live_credentials,
            created_at=created_at,
            test_secret_key_masked=test_secret_key_masked,
            test_publishable_key_masked=test_publishable_key_masked,
            test_webhook_secret_masked=test_webhook_secret_masked,
            live_secret_key_masked=live_secret_key_masked,
            live_publishable_key_masked=live_publishable_key_masked,
            live_webhook_secret_masked=live_webhook_secret_masked,
            test_configured_at=test_configured_at,
            live_configured_at=live_configured_at,
            updated_at=updated_at,
            allowed_redirect_origins=allowed_redirect_origins,
        )

        stripe_config_out.additional_properties = d
        return stripe_config_out

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
