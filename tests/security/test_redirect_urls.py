"""Decision 15 under attack: success_url, cancel_url (E12) and return_url (E16) that must never reach Stripe."""
from __future__ import annotations

import pytest
import requests
import stripe

from tests.integration.test_checkout import CHECKOUT, OK_URLS, Shop, make_shop, start_checkout

PORTAL = "/api/v1/payments/stripe/customer-portal"
ALLOWED = "https://app.example.com"

# Refused whatever the project's allow-list: not an absolute https URL, or one that browsers and parsers read
# differently (the classic open-redirect tricks).
ALWAYS_REFUSED = {
    "javascript": "javascript:alert(document.domain)",
    "javascript-mixed-case": "JaVaScRiPt:alert(1)",
    "javascript-leading-space": "  javascript:alert(1)",
    "javascript-tab-inside": "java\tscript:alert(1)",
    "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript": "vbscript:msgbox(1)",
    "file": "file:///etc/passwd",
    "protocol-relative": "//evil.example.net/x",
    "backslash-relative": "\\\\evil.example.net/x",
    "relative-path": "/dashboard",
    "scheme-only-host": "https:evil.example.net",
    "empty-host": "https:///evil.example.net",
    "userinfo": "https://app.example.com@evil.example.net/",
    "userinfo-password": "https://app.example.com:pw@evil.example.net/",
    "userinfo-encoded-slash": "https://app.example.com%2F@evil.example.net/",
    "backslash-userinfo": "https://evil.example.net\\@app.example.com/",
    "backslash-host": "https://app.example.com\\evil.example.net/",
    "backslash-scheme": "https:\\\\evil.example.net/",
    "newline-in-host": "https://app.exa\nmple.com/",
    "carriage-return": "https://app.example.com/\r\nSet-Cookie:x=1",
    "nul-in-host": "https://app.example.com\x00.evil.example.net/",
    "space-in-host": "https://app.example.com .evil.example.net/",
    "fullwidth-hash": "https://evil.example.net\uff03@app.example.com/",
    "bad-ipv6": "https://[app.example.com/",
    "port-out-of-range": "https://app.example.com:99999/",
    "port-not-a-number": "https://app.example.com:https/",
    "plain-http": "http://app.example.com/",
    "http-uppercase": "HTTP://app.example.com/",
    "http-localhost-lookalike": "http://localhost.evil.example.net/",
    "http-localhost-userinfo": "http://localhost@evil.example.net/",
}

# Accepted without an allow-list, refused once the project lists only ALLOWED.
OTHER_ORIGINS = {
    "other-host": "https://evil.example.net/ok",
    "suffix-lookalike": "https://app.example.com.evil.example.net/ok",
    "subdomain": "https://www.app.example.com/ok",
    "explicit-port": "https://app.example.com:8443/ok",
    "port-zero": "https://app.example.com:0/ok",
    "trailing-dot": "https://app.example.com./ok",
    "cyrillic-a-idn": "https://\u0430pp.example.com/ok",
    "punycode-lookalike": "https://xn--pp-8cd.example.com/ok",
    "localhost": "http://localhost:3000/ok",
}

# Always accepted with the allow-list set: the same origin however it is spelled.
SAME_ORIGIN = {
    "path-query-fragment": "https://app.example.com/ok?session_id={CHECKOUT_SESSION_ID}#done",
    "upper-case-scheme-and-host": "HTTPS://APP.Example.COM/ok",
    "surrounding-spaces": "  https://app.example.com/ok  ",
}


def stripe_sessions(shop: Shop) -> list[str]:
    client = stripe.StripeClient(shop.key, base_addresses={"api": shop.emulator_url})
    return [s.id for s in client.v1.checkout.sessions.list({"limit": 100}).data]


@pytest.fixture(scope="module")
def shops(service_env, emulator) -> dict[str, Shop]:
    """An open project, one with an allow-list, one with live keys too (http://localhost is test mode only)."""
    from tests.conftest import JWT_SECRET
    from tests.support import HandlerClient, make_token

    client, dev = HandlerClient(), make_token(JWT_SECRET, "dev-redirects")
    account = requests.post(f"{emulator.url}/_emulator/accounts", json={"name": "live"}, timeout=10).json()
    return {"open": make_shop(client, dev, emulator),
            "allow-listed": make_shop(client, dev, emulator, allowed_redirect_origins=[ALLOWED]),
            "live": make_shop(client, dev, emulator, live_secret_key=account["live_secret_key"])}


def refused(reply, field: str) -> bool:
    return reply.status == 422 and reply.json()["detail"][0]["loc"] == ["body", field]


@pytest.mark.parametrize("url", ALWAYS_REFUSED.values(), ids=ALWAYS_REFUSED.keys())
@pytest.mark.parametrize("field", ["success_url", "cancel_url"])
def test_checkout_refuses_unsafe_urls_before_calling_stripe(client, shops, field, url):
    # Given a project without an allow-list
    shop = shops["open"]
    before = stripe_sessions(shop)
    # When an end user sends the URL
    reply = start_checkout(client, shop, shop.token(), **{field: url})
    # Then it is a 422 on that field, and no session exists in Stripe
    assert refused(reply, field), reply.text
    assert stripe_sessions(shop) == before


@pytest.mark.parametrize("url", ALWAYS_REFUSED.values(), ids=ALWAYS_REFUSED.keys())
def test_portal_refuses_unsafe_return_urls(client, shops, url):
    shop = shops["open"]
    reply = client.post(PORTAL, token=shop.token(), json_body={"return_url": url})
    assert refused(reply, "return_url"), reply.text


@pytest.mark.parametrize("url", OTHER_ORIGINS.values(), ids=OTHER_ORIGINS.keys())
def test_an_allow_list_refuses_every_other_origin(client, shops, url):
    # Given a project that allows only https://app.example.com, and one without a list
    listed, open_ = shops["allow-listed"], shops["open"]
    before = stripe_sessions(listed)
    # When the URL is another origin (a lookalike of the allowed one)
    reply = start_checkout(client, listed, listed.token(), cancel_url=url)
    portal = client.post(PORTAL, token=listed.token(), json_body={"return_url": url})
    # Then the allow-listed project refuses it at checkout and at the portal, and creates nothing in Stripe
    assert refused(reply, "cancel_url") and refused(portal, "return_url"), (reply.text, portal.text)
    assert stripe_sessions(listed) == before
    # While a project without a list accepts it (decision 15 only asks for https, or http to localhost in test mode)
    assert start_checkout(client, open_, open_.token(), cancel_url=url).status == 200


@pytest.mark.parametrize("url", SAME_ORIGIN.values(), ids=SAME_ORIGIN.keys())
def test_an_allow_list_accepts_its_own_origin_however_spelled(client, shops, url):
    shop = shops["allow-listed"]
    reply = start_checkout(client, shop, shop.token(), success_url=url)
    assert reply.status == 200, reply.text


@pytest.mark.parametrize("url", ["http://localhost:3000/ok", "http://127.0.0.1/ok"])
def test_http_to_localhost_is_refused_in_live_mode(client, shops, url):
    # Given a project with live keys: the URL check runs before any Stripe call
    shop = shops["live"]
    body = {"price_id": "price_any", **OK_URLS, "success_url": url}
    # When an end user checks out (or opens the portal) in live mode with an http://localhost URL
    reply = client.post(CHECKOUT, token=shop.token(), query={"test_mode": "false"}, json_body=body)
    portal = client.post(PORTAL, token=shop.token(), query={"test_mode": "false"}, json_body={"return_url": url})
    # Then both are 422 (while test mode accepts it: tests/integration/test_checkout.py)
    assert refused(reply, "success_url") and refused(portal, "return_url"), (reply.text, portal.text)
