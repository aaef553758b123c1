"""The event processor: an engine (delivery, ordering, exactly-once transactions), a ledger (counters and day
buckets), and one projection per Stripe resource (what an event changes). docs/architecture.md draws the map."""
from paykit.processor.engine import EventProcessor, default_processor
from paykit.processor.projections import HANDLERS
from paykit.processor.records import record_id
from paykit.processor.stripe_reader import GatewayReader, StripeReader

__all__ = ["EventProcessor", "default_processor", "HANDLERS", "record_id", "GatewayReader", "StripeReader"]
