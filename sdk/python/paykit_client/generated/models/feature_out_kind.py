from enum import StrEnum


class FeatureOutKind(StrEnum):
    BOOLEAN = "boolean"
    METERED = "metered"
    STATIC = "static"

    def __str__(self) -> str:
        return str(self.value)
