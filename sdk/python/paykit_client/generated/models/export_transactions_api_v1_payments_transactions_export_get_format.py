from enum import StrEnum


class ExportTransactionsApiV1PaymentsTransactionsExportGetFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    def __str__(self) -> str:
        return str(self.value)
