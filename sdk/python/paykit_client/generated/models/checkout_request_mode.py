from enum import StrEnum


class CheckoutRequestMode(StrEnum):
    PAYMENT = "payment"
    SUBSCRIPTION = "subscription"

    def __str__(self) -> str:
        return str(self.value)
