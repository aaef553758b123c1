"""PayKit: the shared layer of the multi-tenant Stripe payments service."""
# Every handler imports paykit, so SnapStart's restore hook is registered wherever a snapshot can be taken.
from paykit import snapstart  # noqa: F401
