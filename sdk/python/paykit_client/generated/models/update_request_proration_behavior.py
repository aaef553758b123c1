from enum import StrEnum


class UpdateRequestProrationBehavior(StrEnum):
    ALWAYS_INVOICE = "always_invoice"
    CREATE_PRORATIONS = "create_prorations"
    NONE = "none"

    def __str__(self) -> str:
        return str(self.value)
