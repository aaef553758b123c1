"""3-D Secure, once for payment and setup intents: the challenge an intent waits in (`requires_action` with the
page to send the customer to), the customer completing or failing it, and the 402 of an off-session payment that
would need it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..engine import errors
from ..engine.events import emit
from ..engine.store import World

# (world, intent, success, time) -> the intent's status or outcome after the challenge; registered by the module
# owning each intent kind (payments, setup intents), which this module sits below.
Completion = Callable[[World, dict, bool, int], str]


@dataclass(frozen=True)
class Kind:
    event_prefix: str  # `payment_intent`, as in `payment_intent.requires_action`
    label: str  # `PaymentIntent`, as Stripe names it in error messages
    error_field: str  # where the last error lives (`last_payment_error`, `last_setup_error`)
    page: str  # where the challenge is answered, below the emulator's base URL
    complete: Completion | None = None


KINDS: dict[str, Kind] = {
    "payment_intents": Kind("payment_intent", "PaymentIntent", "last_payment_error", "/3ds/{id}"),
    "setup_intents": Kind("setup_intent", "SetupIntent", "last_setup_error",
                          "/_emulator/setup_intents/{id}/authenticate"),
}


def on_complete(collection: str) -> Callable[[Completion], Completion]:
    """Registers what completing (or failing) the challenge of `collection`'s intents does."""
    def register(fn: Completion) -> Completion:
        KINDS[collection] = Kind(**{**KINDS[collection].__dict__, "complete": fn})
        return fn
    return register


def require(world: World, collection: str, intent: dict, t: int) -> None:
    """The intent waits for the customer to authenticate: `requires_action`, with the challenge page to redirect to."""
    kind = KINDS[collection]
    url = world.state.base_url + kind.page.format(id=intent["id"])
    intent.update({"status": "requires_action", kind.error_field: None,
                   "next_action": {"type": "redirect_to_url", "redirect_to_url": {"return_url": None, "url": url}}})
    emit(world, f"{kind.event_prefix}.requires_action", collection, intent, created=t)


def authenticate(world: World, collection: str, intent: dict, success: bool) -> str:
    """The customer completes (or fails) the challenge of an intent in `requires_action`."""
    kind = KINDS[collection]
    if intent["status"] != "requires_action":
        raise errors.invalid(f"This {kind.label}'s status is {intent['status']}; there is nothing to authenticate.",
                             code=f"{kind.event_prefix}_unexpected_state")
    assert kind.complete is not None, f"nothing registered for {collection}"
    return kind.complete(world, intent, success, world.now_for(intent))


def action_required() -> errors.StripeError:
    """The 402 of a payment the API makes for an invoice now (`invoices.pay`, `error_if_incomplete`) that needs the
    customer to authenticate first."""
    return errors.card_error("This payment requires additional user action before it can be completed successfully.",
                             "invoice_payment_intent_requires_action")
