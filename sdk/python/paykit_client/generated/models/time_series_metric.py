from enum import StrEnum


class TimeSeriesMetric(StrEnum):
    CANCELLATIONS = "cancellations"
    CHURNED_CUSTOMERS = "churned_customers"
    FAILED_PAYMENTS = "failed_payments"
    GROSS_REVENUE = "gross_revenue"
    MRR = "mrr"
    MRR_MOVEMENTS = "mrr_movements"
    NET_NEW_MRR = "net_new_mrr"
    NET_REVENUE = "net_revenue"
    NEW_CUSTOMERS = "new_customers"
    REFUNDS = "refunds"
    USAGE_REVENUE = "usage_revenue"

    def __str__(self) -> str:
        return str(self.value)
