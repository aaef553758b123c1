from enum import StrEnum


class ExportSubscriptionsApiV1PaymentsSubscriptionsExportGetFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    def __str__(self) -> str:
        return str(self.value)
