"""Invoice lines before they belong to an invoice: a period billed in advance, metered usage in arrears, the stub period
up to an anchor, and prorations (credit for unused time, debit for the remaining time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ...engine.money import interval_label
from ...engine.store import World
from ..meters import is_metered, metered_usage
from ..products import amount_for, rate_label
from .subscriptions import cycle_period, items_of, period_of, recurring_of

@dataclass
class Line:
    """An invoice line before it belongs to an invoice (prorations wait on the subscription until invoiced)."""
    amount: int
    description: str
    start: int
    end: int
    price: str
    quantity: int
    item: str | None
    proration: bool = False


def period_line(world: World, price: dict, quantity: int, start: int, end: int, item: str | None,
                trial: bool = False) -> Line:
    """A line billing one period of a price: `2 × Pro (at $19.00 / month)`, or `Trial period for Pro`."""
    name = world.get("products", price["product"])["name"]
    if trial:
        return Line(0, f"Trial period for {name}", start, end, price["id"], quantity, item)
    description = f"{quantity} × {name} (at {rate_label(price)} / {interval_label(price['recurring'])})"
    return Line(amount_for(price, quantity), description, start, end, price["id"], quantity, item)


def regular_lines(world: World, sub: dict, start: int, end: int, trial: bool = False) -> list[Line]:
    """The period billed in advance: licensed items (metered ones bill their usage in arrears, see usage_lines)."""
    prices = [(item, world.get("prices", item["price"])) for item in items_of(world, sub)]
    return [period_line(world, price, item["quantity"], start, end, item["id"], trial)
            for item, price in prices if not is_metered(price)]


def usage_lines(world: World, sub: dict, start: int, end: int) -> list[Line]:
    """Metered items bill the usage their meter aggregated over [start, end), the period that ended."""
    prices = [(item, world.get("prices", item["price"])) for item in items_of(world, sub)]
    return [period_line(world, price, metered_usage(world, price, sub["customer"], start, end), start, end,
                        item["id"]) for item, price in prices if is_metered(price)]


def stub_lines(world: World, sub: dict, start: int) -> list[Line]:
    """The stub period from `start` (creation or the trial's end) to an anchor set on creation: the licensed items
    prorated over the full period ending at the anchor, or nothing with `proration_behavior=none`."""
    if not sub["_stub_prorated"]:
        return []
    recurring = recurring_of(world, sub)
    full = cycle_period({**sub, "_cycle": -1}, recurring)
    changes = [ItemChange(item, None, 0, price, item["quantity"]) for item in items_of(world, sub)
               if not is_metered(price := world.get("prices", item["price"]))]
    return proration_lines(world, sub, changes, start, period=full)


@dataclass
class ItemChange:
    item: dict | None  # None for a new item
    old_price: dict | None
    old_quantity: int
    new_price: dict | None  # None for a deleted item
    new_quantity: int
    metadata: dict | None = None  # the item's metadata after the change, when `items[i][metadata]` sets it

    @property
    def reprices(self) -> bool:
        """Whether the change moves what is billed (a metadata-only change does not)."""
        return self.item is None or self.new_price is not self.old_price or self.new_quantity != self.old_quantity


def _product_label(world: World, price: dict, quantity: int) -> str:
    name = world.get("products", price["product"])["name"]
    return f"{quantity} × {name}" if quantity != 1 else name


def proration_lines(world: World, sub: dict, changes: list[ItemChange], at: int,
                    period: tuple[int, int] | None = None) -> list[Line]:
    """Credit for the unused time on what changes, debit for the remaining time on what replaces it, as fractions
    of `period` (by default the current one)."""
    start, end = period or period_of(world, sub)
    if not start <= at < end:
        return []
    fraction = (end - at) / (end - start)
    day = datetime.fromtimestamp(at, UTC).strftime("%d %b %Y")
    lines = []
    for change in [c for c in changes if c.reprices]:
        item_id = change.item["id"] if change.item else None
        if change.old_price is not None and change.old_quantity:
            amount = -round(amount_for(change.old_price, change.old_quantity) * fraction)
            lines.append(Line(amount, f"Unused time on {_product_label(world, change.old_price, change.old_quantity)}"
                                      f" after {day}", at, end, change.old_price["id"], change.old_quantity, item_id,
                              proration=True))
        if change.new_price is not None and change.new_quantity:
            amount = round(amount_for(change.new_price, change.new_quantity) * fraction)
            lines.append(Line(amount, f"Remaining time on "
                                      f"{_product_label(world, change.new_price, change.new_quantity)} after {day}",
                              at, end, change.new_price["id"], change.new_quantity, item_id, proration=True))
    return lines
