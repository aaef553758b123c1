from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ValidateCredentialsRequest")


@_attrs_define
class ValidateCredentialsRequest:
    """
    Attributes:
        secret_key (str):
        is_test_mode (bool | Unset):  Default: True.
    """

    secret_key: str
    is_test_mode: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        secret_key = self.secret_key

        is_test_mode = self.is_test_mode

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "secret_key": secret_key,
            }
        )
        if is_test_mode is not UNSET:
            field_dict["is_test_mode"] = is_test_mode

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        secret_key = d.pop("secret_key")

        is_test_mode = d.pop("is_test_mode", UNSET)

        validate_credentials_request = cls(
            secret_key=secret_key,
            is_test_mode=is_test_mode,
        )

        return validate_credentials_request
