from enum import StrEnum


class ExportProjectPaymentsApiV1PaymentsStripeProjectsProjectIdPaymentsExportGetFormat(
    StrEnum
):
    CSV = "csv"
    JSONL = "jsonl"

    def __str__(self) -> str:
        return str(self.value)
