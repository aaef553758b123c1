"""Hosted HTML pages: checkout, the 3-D Secure challenge, the billing portal, hosted invoices and receipts."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..engine import errors
from ..engine.events import automatic
from ..engine.money import format_money, interval_label
from ..engine.periods import DAY
from ..engine.routes import AdminApp
from ..engine.store import World
from ..resources import checkout_payment, discounts, payments, portal, three_d_secure
from ..resources.billing.dunning import pay_invoice
from ..resources.billing.subscriptions import items_of, period_of, subscription_of
from ..resources.cards import create_payment_method
from ..resources.products import amount_for, rate_label

_STYLE = """
body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}
main{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;
  box-shadow:0 2px 8px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.muted{color:#697386;font-size:14px}
table{width:100%;border-collapse:collapse;margin:12px 0}td{padding:6px 0;border-bottom:1px solid #e3e8ee}
td.amount{text-align:right}label{display:block;font-size:14px;margin:12px 0 4px}
input[type=text],input[type=email]{width:100%;box-sizing:border-box;padding:10px;border:1px solid #cfd7df;
  border-radius:6px;font-size:16px}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:12px 18px;font-size:16px;margin-top:16px}
button.secondary{background:#fff;color:#635bff;border:1px solid #635bff}.row{display:flex;gap:12px}
.row>div{flex:1}.error{background:#fde8e8;color:#c0123c;padding:10px;border-radius:6px;margin:12px 0}
.notice{background:#e6f4ea;padding:10px;border-radius:6px}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;background:#e3e8ee;font-size:12px}
.test{background:#ffde92;color:#5f3700;font-size:12px;padding:2px 8px;border-radius:4px;float:right}
"""


def _page(title: str, body: str, status: int = 200, livemode: bool = False) -> Response:
    banner = "" if livemode else '<span class="test">TEST MODE</span>'
    html = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{_STYLE}</style>"
            f"</head><body><main>{banner}{body}</main></body></html>")
    return Response(html, status=status, content_type="text/html; charset=utf-8")


def _not_found(what: str) -> Response:
    return _page("Not found", f"<h1>Something went wrong</h1><p class=\"muted\">This {escape(what)} does not "
                              "exist or is no longer available.</p>", 404)


def _date(ts: int | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %Y") if ts else ""


def _error(message: str | None) -> str:
    return f'<div class="error" id="error" role="alert">{escape(message)}</div>' if message else ""


def _world_and(app: AdminApp, object_id: str, collection: str) -> tuple[World, dict] | None:
    world = app.state.world_of(object_id)
    obj = world.find(collection, object_id) if world else None
    return (world, obj) if world and obj else None


# --- checkout ------------------------------------------------------------------------------------------------------


def checkout_page(app: AdminApp, request: Request, session_id: str) -> Response:
    found = _world_and(app, session_id, "checkout_sessions")
    if found is None:
        return _not_found("checkout session")
    world, session = found
    if request.method == "POST":
        return _checkout_submit(world, session, request)
    checkout_payment.expire_if_due(world, session)
    return _checkout_form(world, session, request.args.get("error"))


def _checkout_form(world: World, session: dict, error: str | None = None, status: int = 200) -> Response:
    if session["status"] == "complete":
        target = checkout_payment.success_redirect(session)
        link = f'<p><a id="continue" href="{escape(target)}">Continue</a></p>' if target else ""
        return _page("Payment complete", f"<h1>Thanks for your order</h1><p class=\"notice\" id=\"complete\">"
                                         f"This checkout session is complete.</p>{link}", livemode=world.livemode)
    if session["status"] == "expired":
        return _page("Session expired", "<h1>This checkout session has expired</h1>", 410, world.livemode)
    rows, recurring = [], None
    for item in session["_line_items"]:
        price = world.get("prices", item["price"])
        product = world.get("products", price["product"])
        recurring = recurring or price["recurring"]
        per = f" / {interval_label(price['recurring'])}" if price["recurring"] else ""
        rows.append(f"<tr><td>{escape(product['name'])} × {item['quantity']}</td><td class=\"amount\">"
                    f"{format_money(amount_for(price, item['quantity']), price['currency'])}{per}</td></tr>")
    total = format_money(session["amount_total"], session["currency"])
    settings = session["_subscription"]
    trial = ""
    if session["mode"] == "subscription" and (settings["trial_days"] or settings["trial_end"]):
        days = settings["trial_days"] or max(1, (settings["trial_end"] - world.now()) // DAY)
        trial = f'<p class="muted" id="trial">{days} days free, then {total} / {interval_label(recurring)}</p>'
    customer = world.find("customers", session["customer"])
    if customer is not None and customer["email"]:
        email_field = f'<p class="muted">Paying as {escape(customer["email"])}</p>'
    elif session["customer_email"] or customer is not None:
        email_field = (f'<p class="muted">Paying as {escape(session["customer_email"] or "")}</p>'
                       f'<input type="hidden" name="email" value="{escape(session["customer_email"] or "")}">')
    else:
        email_field = ('<label for="email">Email</label><input type="email" id="email" name="email" '
                       'autocomplete="email" required>')
    action = "Subscribe" if session["mode"] == "subscription" else "Pay"
    promo_field = ('<label for="promotion-code">Promotion code</label><input type="text" id="promotion-code" '
                   'name="promotion_code" autocomplete="off">' if session["allow_promotion_codes"] else "")
    if session["total_details"]["amount_discount"]:
        off = format_money(session["total_details"]["amount_discount"], session["currency"])
        rows.append(f'<tr id="discount"><td>Discount</td><td class="amount">−{off}</td></tr>')
    due = format_money(0, session["currency"]) if trial else total
    cancel = (f'<p><a id="cancel" href="{escape(session["cancel_url"])}">← Back</a></p>'
              if session["cancel_url"] else "")
    body = f"""{cancel}<h1>{escape(world.account.name)}</h1>
<p class="muted">{'Subscribe' if session['mode'] == 'subscription' else 'Pay'}</p>
<table id="line-items">{''.join(rows)}<tr><td><strong>Total due today</strong></td>
<td class="amount" id="total"><strong>{due}</strong></td></tr></table>
{trial}{_error(error)}
<form method="post" id="payment-form">{email_field}
<label for="card-number">Card number</label>
<input type="text" id="card-number" name="card" inputmode="numeric" autocomplete="cc-number"
 placeholder="4242 4242 4242 4242" required>
<div class="row"><div><label for="card-expiry">Expiry</label>
<input type="text" id="card-expiry" name="exp" placeholder="MM / YY" autocomplete="cc-exp"></div>
<div><label for="card-cvc">CVC</label>
<input type="text" id="card-cvc" name="cvc" placeholder="123" autocomplete="cc-csc"></div></div>
<label for="name">Cardholder name</label><input type="text" id="name" name="name" autocomplete="cc-name">
{promo_field}<button type="submit" id="submit">{action}</button></form>"""
    return _page(f"{action} · {world.account.name}", body, status, world.livemode)


def _checkout_submit(world: World, session: dict, request: Request) -> Response:
    form = request.form
    try:
        if form.get("promotion_code"):
            discounts.enter_code(world, session, form["promotion_code"])
        result = checkout_payment.pay(world, session, form.get("card", ""), form.get("email") or None,
                              form.get("name") or None)
    except errors.StripeError as exc:
        return _checkout_form(world, session, exc.message, 402 if exc.status == 402 else 400)
    if result.status == payments.SUCCEEDED:
        if result.redirect_url:
            return redirect(result.redirect_url, 303)
        return _checkout_form(world, session)
    if result.status == payments.REQUIRES_ACTION and result.payment_intent:
        back = f"/c/pay/{session['id']}"
        return redirect(f"/3ds/{result.payment_intent}?{urlencode({'return_to': back})}", 303)
    return _checkout_form(world, session, result.message, 402)


# --- 3-D Secure ----------------------------------------------------------------------------------------------------


def three_d_secure_page(app: AdminApp, request: Request, pi_id: str) -> Response:
    found = _world_and(app, pi_id, "payment_intents")
    if found is None:
        return _not_found("payment")
    world, pi = found
    return_to = request.values.get("return_to") or ""
    if not return_to.startswith("/") or return_to.startswith("//"):
        return_to = ""  # only paths on this emulator
    if request.method == "POST":
        success = request.form.get("outcome") == "complete"
        try:
            with automatic():
                three_d_secure.authenticate(world, "payment_intents", pi, success)
        except errors.StripeError as exc:
            return _page("Authentication", f"<h1>Authentication</h1>{_error(exc.message)}", 400, world.livemode)
        session = world.find("checkout_sessions", pi.get("_checkout_session"))
        invoice = world.find("invoices", pi.get("_invoice"))
        sub = subscription_of(world, invoice) if invoice else None
        if session is None and sub is not None:
            session = world.find("checkout_sessions", sub.get("_checkout_session"))
        target = checkout_payment.success_redirect(session) if session and session["status"] == "complete" else None
        if success and target:
            return redirect(target, 303)
        if return_to:
            suffix = "" if success else "?" + urlencode({"error": pi["last_payment_error"]["message"]})
            return redirect(return_to + suffix, 303)
        return _page("Authentication", f"<h1>Authentication {'complete' if success else 'failed'}</h1>",
                     livemode=world.livemode)
    amount = format_money(pi["amount"], pi["currency"])
    body = f"""<h1>3D Secure 2 test page</h1><p class="muted">This test payment of {amount} requires authentication.</p>
<form method="post"><input type="hidden" name="return_to" value="{escape(return_to)}">
<button type="submit" id="complete-auth" name="outcome" value="complete">Complete authentication</button>
<button type="submit" id="fail-auth" class="secondary" name="outcome" value="fail">Fail authentication</button>
</form>"""
    return _page("3D Secure", body, livemode=world.livemode)


# --- billing portal ------------------------------------------------------------------------------------------------


def portal_page(app: AdminApp, request: Request, session_id: str) -> Response:
    found = _world_and(app, session_id, "portal_sessions")
    if found is None:
        return _not_found("portal session")
    world, session = found
    error = None
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            portal.portal_action(world, session, action, request.form.to_dict())
        except errors.StripeError as exc:
            error = exc.message
        else:
            return redirect(session["return_url"] or f"/p/session/{session_id}", 303)
    return _portal(world, session, error)


def _portal(world: World, session: dict, error: str | None) -> Response:
    config = world.get("portal_configurations", session["configuration"])
    features = config["features"]
    customer = world.get("customers", session["customer"])
    allowed = [p for product in portal.allowed_products(world, config) for p in product["prices"]]
    blocks = []
    for sub in portal.subscriptions_of(world, session):
        item = items_of(world, sub)[0]
        price = world.get("prices", item["price"])
        product = world.get("products", price["product"])
        end = _date(period_of(world, sub)[1])
        state = (f"Cancels on {end}" if sub["cancel_at_period_end"] else
                 f"Trial ends {_date(sub['trial_end'])}" if sub["status"] == "trialing" else f"Renews on {end}")
        actions = []
        if features["subscription_cancel"]["enabled"] and not sub["cancel_at_period_end"]:
            actions.append(_portal_form(sub, "cancel", "Cancel plan", "cancel-" + sub["id"]))
        if sub["cancel_at_period_end"]:
            actions.append(_portal_form(sub, "renew", "Renew plan", "renew-" + sub["id"]))
        options = [p for p in allowed if p != price["id"]]
        if features["subscription_update"]["enabled"] and options and len(sub["_items"]) == 1:
            radios = []
            for price_id in options:
                other = world.get("prices", price_id)
                name = world.get("products", other["product"])["name"]
                radios.append(f'<label><input type="radio" name="price" value="{price_id}" id="price-{price_id}" '
                              f'required> {escape(name)} · {rate_label(other)}'
                              f' / {interval_label(other["recurring"])}</label>')
            actions.append(f'<form method="post"><input type="hidden" name="action" value="switch">'
                           f'<input type="hidden" name="subscription" value="{sub["id"]}">{"".join(radios)}'
                           f'<button type="submit" id="switch-{sub["id"]}">Update plan</button></form>')
        amount = rate_label(price)
        blocks.append(f'<section class="subscription" id="{sub["id"]}"><h2>{escape(product["name"])} '
                      f'<span class="badge">{sub["status"]}</span></h2><p>{amount} / '
                      f'{interval_label(price["recurring"])} · <span class="muted">{state}</span></p>'
                      f'{"".join(actions)}</section>')
    card_block = ""
    if features["payment_method_update"]["enabled"]:
        pm = world.find("payment_methods", customer["invoice_settings"]["default_payment_method"])
        current = f"{pm['card']['brand']} •••• {pm['card']['last4']}" if pm else "none"
        card_block = (f'<h2>Payment method</h2><p class="muted">Current: {escape(current)}</p>'
                      f'<form method="post"><input type="hidden" name="action" value="update_card">'
                      f'<label for="new-card">New card number</label><input type="text" id="new-card" name="card" '
                      f'required><button type="submit" id="update-card">Update payment method</button></form>')
    invoices = ""
    if features["invoice_history"]["enabled"]:
        rows = [f'<tr><td><a href="{escape(i["hosted_invoice_url"] or "")}">{escape(i["number"] or i["id"])}</a>'
                f'</td><td>{_date(i["created"])}</td><td>{i["status"]}</td><td class="amount">'
                f'{format_money(i["total"], i["currency"])}</td></tr>'
                for i in world.newest_first("invoices") if i["customer"] == customer["id"] and i["number"]]
        invoices = f"<h2>Invoice history</h2><table>{''.join(rows)}</table>" if rows else ""
    back = (f'<p><a id="return" href="{escape(session["return_url"])}">← Return to {escape(world.account.name)}</a>'
            f'</p>' if session["return_url"] else "")
    body = (f"{back}<h1>{escape(world.account.name)}</h1><p class=\"muted\">{escape(customer['email'] or '')}</p>"
            f"{_error(error)}<h2>Current plan</h2>{''.join(blocks) or '<p class=muted>No active plans.</p>'}"
            f"{card_block}{invoices}")
    return _page("Billing portal", body, 400 if error else 200, world.livemode)


def _portal_form(sub: dict, action: str, label: str, element_id: str) -> str:
    return (f'<form method="post"><input type="hidden" name="action" value="{action}">'
            f'<input type="hidden" name="subscription" value="{sub["id"]}">'
            f'<button type="submit" class="secondary" id="{element_id}">{label}</button></form>')


# --- hosted invoice and receipt ------------------------------------------------------------------------------------


def invoice_page(app: AdminApp, request: Request, invoice_id: str) -> Response:
    found = _world_and(app, invoice_id, "invoices")
    if found is None:
        return _not_found("invoice")
    world, invoice = found
    error = None
    if request.method == "POST" and invoice["status"] == "open":
        try:
            with automatic():
                pm = create_payment_method(world, request.form.get("card", ""), customer=invoice["customer"],
                                           created=world.now_for(invoice))
                outcome = pay_invoice(world, invoice, pm["id"])
            if outcome == payments.REQUIRES_ACTION:
                back = f"/i/{invoice_id}"
                return redirect(f"/3ds/{invoice['_payment_intent']}?{urlencode({'return_to': back})}", 303)
            if outcome == payments.DECLINED:
                error = world.get("payment_intents", invoice["_payment_intent"])["last_payment_error"]["message"]
        except errors.StripeError as exc:
            error = exc.message
    rows = "".join(f"<tr><td>{escape(line['description'] or '')}</td><td class=\"amount\">"
                   f"{format_money(line['amount'], line['currency'])}</td></tr>" for line in invoice["lines"]["data"])
    form = ""
    if invoice["status"] == "open":
        form = ('<form method="post"><label for="card-number">Card number</label><input type="text" '
                'id="card-number" name="card" required><button type="submit" id="submit">Pay</button></form>')
    body = (f"<h1>Invoice {escape(invoice['number'] or invoice['id'])}</h1><p>Status: <span id=\"status\" "
            f"class=\"badge\">{invoice['status']}</span></p><table>{rows}<tr><td><strong>Amount due</strong></td>"
            f"<td class=\"amount\"><strong>{format_money(invoice['amount_remaining'], invoice['currency'])}"
            f"</strong></td></tr></table>{_error(error)}{form}")
    return _page(f"Invoice {invoice['number'] or ''}", body, 402 if error else 200, world.livemode)


def receipt_page(app: AdminApp, request: Request, charge_id: str) -> Response:
    found = _world_and(app, charge_id, "charges")
    if found is None:
        return _not_found("receipt")
    world, charge = found
    card = charge["payment_method_details"]["card"]
    body = (f"<h1>Receipt from {escape(world.account.name)}</h1><p>{format_money(charge['amount'], charge['currency'])}"
            f" · {charge['status']} · {escape(card['brand'])} •••• {card['last4']} · {_date(charge['created'])}</p>"
            + (f"<p class=\"muted\">Refunded {format_money(charge['amount_refunded'], charge['currency'])}</p>"
               if charge["amount_refunded"] else ""))
    return _page("Receipt", body, livemode=world.livemode)


PAGE_ROUTES: list[tuple[str, Any]] = [
    ("/c/pay/<session_id>", checkout_page),
    ("/3ds/<pi_id>", three_d_secure_page),
    ("/p/session/<session_id>", portal_page),
    ("/i/<invoice_id>", invoice_page),
    ("/receipts/<charge_id>", receipt_page),
]
