from enum import StrEnum


class EventReplayOutStatusType0(StrEnum):
    FAILED = "failed"
    IGNORED = "ignored"
    PROCESSED = "processed"

    def __str__(self) -> str:
        return str(self.value)
