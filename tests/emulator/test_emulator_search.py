"""Search endpoints with Stripe's query language, through the SDK's `search` methods."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator.conformance.harness import DAY, Emu


def _customers(emu: Emu) -> dict[str, stripe.Customer]:
    specs = {"ada": {"email": "Ada@Example.com", "name": "Ada Lovelace", "metadata": {"tier": "gold"}},
             "bob": {"email": "bob@example.com", "name": "Bob", "metadata": {"tier": "silver"}},
             "cy": {"email": "cy@other.org", "name": "Cy Lovelace", "metadata": {"tier": "gold", "vip": "yes"}}}
    return {key: emu.client.v1.customers.create(spec) for key, spec in specs.items()}


def _ids(result) -> set[str]:
    return {obj.id for obj in result.data}


def test_equality_metadata_and_substring_clauses(emu: Emu):
    # Given three customers
    c = _customers(emu)
    search = emu.client.v1.customers.search
    # When / Then: exact match ignores case, metadata matches by key, ~ is a substring match, - negates
    assert _ids(search({"query": 'email:"ada@example.com"'})) == {c["ada"].id}
    assert _ids(search({"query": "metadata['tier']:\"gold\""})) == {c["ada"].id, c["cy"].id}
    assert _ids(search({"query": 'name~"lovelace"'})) == {c["ada"].id, c["cy"].id}
    assert _ids(search({"query": '-name~"lovelace"'})) == {c["bob"].id}
    assert _ids(search({"query": 'metadata["vip"]:null'})) == {c["ada"].id, c["bob"].id}


def test_and_or_combinations_and_their_mix_is_refused(emu: Emu):
    # Given three customers
    c = _customers(emu)
    search = emu.client.v1.customers.search
    # When / Then
    assert _ids(search({"query": "metadata['tier']:\"gold\" AND name~\"Bob\""})) == set()
    assert _ids(search({"query": "metadata['tier']:\"gold\" AND name~\"Cy L\""})) == {c["cy"].id}
    assert _ids(search({"query": 'email:"bob@example.com" OR email:"cy@other.org"'})) == {c["bob"].id, c["cy"].id}
    with pytest.raises(stripe.InvalidRequestError) as raised:
        search({"query": 'email:"a@b.c" OR email:"b@b.c" AND name:"x"'})
    assert raised.value.param == "query"


def test_numeric_comparisons_on_amount_and_created(emu: Emu):
    # Given charges of 500, 1500 and 2500 cents
    amounts = (500, 1500, 2500)
    for amount in amounts:
        emu.client.v1.payment_intents.create({"amount": amount, "currency": "usd", "confirm": True,
                                              "payment_method": "pm_card_visa"})
    first = emu.client.v1.charges.list({"limit": 100}).data[-1]
    # When charges are searched by amount and creation time
    over = emu.client.v1.charges.search({"query": "amount>=1500"})
    under = emu.client.v1.charges.search({"query": 'amount<1500 AND status:"succeeded"'})
    since = emu.client.v1.charges.search({"query": f"created>={first.created} AND created<{first.created + DAY}"})
    # Then the comparisons select as Stripe's do
    assert sorted(ch.amount for ch in over.data) == [1500, 2500]
    assert [ch.amount for ch in under.data] == [500]
    assert len(since.data) == 3
    with pytest.raises(stripe.InvalidRequestError):
        emu.client.v1.charges.search({"query": 'currency>"usd"'})


def test_pages_follow_next_page_and_auto_paging_reads_them_all(emu: Emu):
    # Given 7 customers with the same metadata
    for i in range(7):
        emu.client.v1.customers.create({"email": f"{i}@x.io", "metadata": {"batch": "b1"}})
    query = "metadata['batch']:\"b1\""
    # When searched two at a time
    first = emu.client.v1.customers.search({"query": query, "limit": 2, "expand": ["total_count"]})
    second = emu.client.v1.customers.search({"query": query, "limit": 2, "page": first.next_page})
    every = list(emu.client.v1.customers.search({"query": query, "limit": 2}).auto_paging_iter())
    # Then pages chain through next_page, the last has none, and total_count counts all
    assert first.object == "search_result" and first.has_more and first.total_count == 7
    assert not _ids(first) & _ids(second)
    assert len({c.id for c in every}) == 7
    last = emu.client.v1.customers.search({"query": query, "limit": 10})
    assert last.has_more is False and last.next_page is None


def test_subscriptions_and_invoices_search_by_status_subscription_and_total(emu: Emu):
    # Given a subscription paid through checkout
    sub = emu.subscribe(emu.price(1900))
    # When subscriptions and invoices are searched
    subs = emu.client.v1.subscriptions.search({"query": 'status:"active"'})
    invoices = emu.client.v1.invoices.search({"query": f'subscription:"{sub.id}" AND total>1000'})
    # Then they are found by their fields
    assert _ids(subs) == {sub.id}
    assert [i.total for i in invoices.data] == [1900]


def test_unsupported_fields_and_bad_syntax_are_refused(emu: Emu):
    # Given / When / Then
    with pytest.raises(stripe.InvalidRequestError) as raised:
        emu.client.v1.customers.search({"query": 'balance:"0"'})
    assert "unsupported search field" in raised.value.user_message
    for query in ('email:ada@example.com', 'email:"x" and name:"y"', 'name~"ab"', ""):
        with pytest.raises(stripe.InvalidRequestError):
            emu.client.v1.customers.search({"query": query})
