from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CancelRequest")


@_attrs_define
class CancelRequest:
    """
    Attributes:
        cancel_immediately (bool | Unset):  Default: False.
    """

    cancel_immediately: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        cancel_immediately = self.cancel_immediately

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cancel_immediately is not UNSET:
            field_dict["cancel_immediately"] = cancel_immediately

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        cancel_immediately = d.pop("cancel_immediately", UNSET)

        cancel_request = cls(
            cancel_immediately=cancel_immediately,
        )

        return cancel_request
