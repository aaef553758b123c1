from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.user_usage_out_usage import UserUsageOutUsage


T = TypeVar("T", bound="UserUsageOut")


@_attrs_define
class UserUsageOut:
    """
    Attributes:
        user_id (str):
        period_start (None | str):
        usage (UserUsageOutUsage):
    """

    user_id: str
    period_start: None | str
    usage: UserUsageOutUsage
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        period_start: None | str
        period_start = self.period_start

        usage = self.usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "period_start": period_start,
                "usage": usage,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_usage_out_usage import UserUsageOutUsage

        d = dict(src_dict)
        user_id = d.pop("user_id")

        def _parse_period_start(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        period_start = _parse_period_start(d.pop("period_start"))

        usage = UserUsageOutUsage.from_dict(d.pop("usage"))

        user_usage_out = cls(
            user_id=user_id,
            period_start=period_start,
            usage=usage,
        )

        user_usage_out.additional_properties = d
        return user_usage_out

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
