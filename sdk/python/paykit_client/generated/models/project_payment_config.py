from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProjectPaymentConfig")


@_attrs_define
class ProjectPaymentConfig:
    """
    Attributes:
        id (UUID):
        name (str):
        has_payment_config (bool):
        has_test_credentials (bool):
        has_live_credentials (bool):
        is_active (bool):
        created_at (datetime.datetime):
        description (None | str | Unset):
        test_configured_at (datetime.datetime | None | Unset):
        live_configured_at (datetime.datetime | None | Unset):
    """

    id: UUID
    name: str
    has_payment_config: bool
    has_test_credentials: bool
    has_live_credentials: bool
    is_active: bool
    created_at: datetime.datetime
    description: None | str | Unset = UNSET
    test_configured_at: datetime.datetime | None | Unset = UNSET
    live_configured_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        has_payment_config = self.has_payment_config

        has_test_credentials = self.has_test_credentials

        has_live_credentials = self.has_live_credentials

        is_active = self.is_active

        created_at = self.created_at.isoformat()

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "has_payment_config": has_payment_config,
                "has_test_credentials": has_test_credentials,
                "has_live_credentials": has_live_credentials,
                "is_active": is_active,
                "created_at": created_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if test_configured_at is not UNSET:
            field_dict["test_configured_at"] = test_configured_at
        if live_configured_at is not UNSET:
            field_dict["live_configured_at"] = live_configured_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        has_payment_config = d.pop("has_payment_config")

        has_test_credentials = d.pop("has_test_credentials")

        has_live_credentials = d.pop("has_live_credentials")

        is_active = d.pop("is_active")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

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

        project_payment_config = cls(
            id=id,
            name=name,
            has_payment_config=has_payment_config,
            has_test_credentials=has_test_credentials,
            has_live_credentials=has_live_credentials,
            is_active=is_active,
            created_at=created_at,
            description=description,
            test_configured_at=test_configured_at,
            live_configured_at=live_configured_at,
        )

        project_payment_config.additional_properties = d
        return project_payment_config

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
