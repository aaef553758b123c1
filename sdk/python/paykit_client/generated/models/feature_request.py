from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.feature_request_kind import FeatureRequestKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="FeatureRequest")


@_attrs_define
class FeatureRequest:
    """A feature as Stripe keeps it (an Entitlements feature; kind, limit and key in its metadata). `key` is what the
    app checks; `lookup_key` is Stripe's unique name, so one key can have several limits, one per plan (`exports`
    100 on Basic, 1,000 on Pro): by default the key, or `<key>-<limit>` for a metered feature.

        Attributes:
            key (str):
            name (str):
            lookup_key (None | str | Unset):
            kind (FeatureRequestKind | Unset):  Default: FeatureRequestKind.BOOLEAN.
            limit (int | None | Unset):
            value (None | str | Unset):
    """

    key: str
    name: str
    lookup_key: None | str | Unset = UNSET
    kind: FeatureRequestKind | Unset = FeatureRequestKind.BOOLEAN
    limit: int | None | Unset = UNSET
    value: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        name = self.name

        lookup_key: None | str | Unset
        if isinstance(self.lookup_key, Unset):
            lookup_key = UNSET
        else:
            lookup_key = self.lookup_key

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value

        limit: int | None | Unset
        if isinstance(self.limit, Unset):
            limit = UNSET
        else:
            limit = self.limit

        value: None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "name": name,
            }
        )
        if lookup_key is not UNSET:
            field_dict["lookup_key"] = lookup_key
        if kind is not UNSET:
            field_dict["kind"] = kind
        if limit is not UNSET:
            field_dict["limit"] = limit
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        name = d.pop("name")

        def _parse_lookup_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lookup_key = _parse_lookup_key(d.pop("lookup_key", UNSET))

        _kind = d.pop("kind", UNSET)
        kind: FeatureRequestKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = FeatureRequestKind(_kind)

        def _parse_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        limit = _parse_limit(d.pop("limit", UNSET))

        def _parse_value(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        feature_request = cls(
            key=key,
            name=name,
            lookup_key=lookup_key,
            kind=kind,
            limit=limit,
            value=value,
        )

        return feature_request
