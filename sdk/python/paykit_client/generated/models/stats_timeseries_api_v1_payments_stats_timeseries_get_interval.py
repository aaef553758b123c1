from enum import StrEnum


class StatsTimeseriesApiV1PaymentsStatsTimeseriesGetInterval(StrEnum):
    DAY = "day"
    MONTH = "month"
    WEEK = "week"

    def __str__(self) -> str:
        return str(self.value)
