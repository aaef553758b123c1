from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_replay_out_status_type_0 import EventReplayOutStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="EventReplayOut")


@_attrs_define
class EventReplayOut:
    """
    Attributes:
        id (str):
        type_ (str):
        status (EventReplayOutStatusType0 | None):
        applied (bool):
        message (str):
        error (None | str | Unset):
    """

    id: str
    type_: str
    status: EventReplayOutStatusType0 | None
    applied: bool
    message: str
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        type_ = self.type_

        status: None | str
        if isinstance(self.status, EventReplayOutStatusType0):
            status = self.status.value
        else:
            status = self.status

        applied = self.applied

        message = self.message

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "status": status,
                "applied": applied,
                "message": message,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        type_ = d.pop("type")

        def _parse_status(data: object) -> EventReplayOutStatusType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = EventReplayOutStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventReplayOutStatusType0 | None, data)

        status = _parse_status(d.pop("status"))

        applied = d.pop("applied")

        message = d.pop("message")

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        event_replay_out = cls(
            id=id,
            type_=type_,
            status=status,
            applied=applied,
            message=message,
            error=error,
        )

        event_replay_out.additional_properties = d
        return event_replay_out

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
