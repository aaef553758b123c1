"""DynamoDB's failures in PayKit's words. `Table` translates botocore's errors into these once; services catch
these and never botocore's.

- ConditionFailed: a condition of the request was false (a single write's, or one or more of a transaction's:
  `reasons` holds the per-action codes in the order of the actions, 'None' where an action was fine).
- TransactionConflict: another transaction held one of the items; nothing was written, a retry may pass.
- Unavailable (Throttled): DynamoDB was busy or failing after the client's own retries; the API answers 503.
- StoreError: anything else (a malformed request is a bug).
"""
from __future__ import annotations

from paykit import aws
from paykit.errors import ServiceUnavailable

# A transaction canceled for these reasons changed nothing and may pass when tried again.
_CONFLICT_REASONS = frozenset({"TransactionConflict"})
_THROTTLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
_THROTTLE_CODES = frozenset({"ThrottlingException", "Throttling", "ProvisionedThroughputExceededException",
                             "RequestLimitExceeded"})


class StoreError(Exception):
    def __init__(self, message: str, code: str = "", reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.reasons = reasons

    def failed_at(self, index: int) -> bool:
        """A transaction's action `index` failed its condition."""
        return len(self.reasons) > index and self.reasons[index] == "ConditionalCheckFailed"


class ConditionFailed(StoreError):
    pass


class TransactionConflict(StoreError):
    pass


class Unavailable(StoreError, ServiceUnavailable):
    def __init__(self, message: str, code: str = "", reasons: tuple[str, ...] = ()) -> None:
        StoreError.__init__(self, message, code, reasons)
        ServiceUnavailable.__init__(self)


class Throttled(Unavailable):
    pass


def translate(exc: Exception) -> StoreError:
    """The store's exception for a botocore one (raise it `from exc`)."""
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code", "")
    reasons = tuple(r.get("Code", "None") for r in response.get("CancellationReasons", []))
    if code == "ConditionalCheckFailedException" or "ConditionalCheckFailed" in reasons:
        return ConditionFailed("condition failed", code, reasons)
    if code == "TransactionConflictException" or _CONFLICT_REASONS & set(reasons):
        return TransactionConflict("another transaction holds an item", code, reasons)
    if code in _THROTTLE_CODES or _THROTTLE_REASONS & set(reasons):
        return Throttled("DynamoDB is throttling", code, reasons)
    if aws.is_unavailable(exc):
        return Unavailable("DynamoDB is unavailable", code, reasons)
    return StoreError(f"DynamoDB refused the request ({code or type(exc).__name__})", code, reasons)
