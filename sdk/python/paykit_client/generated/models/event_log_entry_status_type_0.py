from enum import StrEnum


class EventLogEntryStatusType0(StrEnum):
    FAILED = "failed"
    IGNORED = "ignored"
    PROCESSED = "processed"

    def __str__(self) -> str:
        return str(self.value)
