from enum import StrEnum


class ExportProjectSubscriptionsApiV1PaymentsStripeProjectsProjectIdSubscriptionsExportGetFormat(
    StrEnum
):
    CSV = "csv"
    JSONL = "jsonl"

    def __str__(self) -> str:
        return str(self.value)
