"""The two-way mapping between a project's Stripe customers and its users, as events reveal it."""
from __future__ import annotations

from typing import Any

from paykit.processor.context import Ctx
from paykit.store import keys
from paykit.stripe_objects import customer_id_of


def link_customer(ctx: Ctx, user_id: str | None, customer_id: str | None) -> None:
    """Both directions of the customer mapping; the first customer of a user stays theirs (decision 13)."""
    if not (user_id and customer_id):
        return
    # if_not_exists keeps the first customer without a read before the transaction.
    ctx.extra.append({"Update": {"Key": keys.customer_of_user(ctx.project_id, ctx.mode, user_id),
                                 "UpdateExpression": "SET customer_id = if_not_exists(customer_id, :customer), "
                                                     "user_id = :user, #type = :type",
                                 "ExpressionAttributeNames": {"#type": "type"},
                                 "ExpressionAttributeValues": {":customer": customer_id, ":user": user_id,
                                                               ":type": "customer_of_user"}}})
    ctx.extra.append({"Put": {"Item": {**keys.user_of_customer(ctx.project_id, ctx.mode, customer_id),
                                       "type": "user_of_customer", "customer_id": customer_id, "user_id": user_id}}})


def customer_mapping(ctx: Ctx, obj: dict[str, Any], user_id: str | None) -> list[dict[str, str]]:
    """The customer mapping, read only when the payload names no user (it may still be on the stored record)."""
    customer = customer_id_of(obj)
    return [keys.user_of_customer(ctx.project_id, ctx.mode, customer)] if customer and not user_id else []
