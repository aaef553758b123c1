"""Secret-shaped values are masked in one place: every answer of paykit.api.handle and every paykit log record."""
from __future__ import annotations

import io
import json
import logging
import secrets
import string

import pytest

from paykit import api
from paykit.observability import logger
from paykit.redact import mask, redact


def fresh(prefix: str, length: int = 24) -> str:
    """A secret-shaped value made at run time (no line of this file is one), and never seen before."""
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


KINDS = {"secret key": "sk_" + "live_", "test key": "sk_" + "test_", "restricted key": "rk_" + "live_",
         "webhook secret": "whsec_"}


@pytest.mark.parametrize("prefix", KINDS.values(), ids=KINDS.keys())
def test_each_kind_keeps_its_prefix_and_last_four_wherever_it_sits_in_text(prefix):
    # Given a value of the kind inside a sentence, glued to an id (no word boundary) and inside JSON
    value = fresh(prefix)
    text = f"No such price: '{value}'; price_{value}; {json.dumps({'k': value})}"
    # When the text is redacted
    out = redact(text)
    # Then the value is gone and its masked form (the one config views use) stands in each place
    assert value not in out
    assert out.count(f"{prefix}...{value[-4:]}") == 3


def test_publishable_keys_masked_values_and_other_stripe_ids_are_left_as_they_are():
    # Given text that holds a publishable key (public by design), a masked key and ordinary Stripe ids
    text = f"{fresh('pk_' + 'live_')} {mask(fresh('sk_' + 'test_'))} price_1Abc cs_test_a1B2 sub_9 evt_1"
    # Then redacting changes nothing (a masked value is never masked again)
    assert redact(text) == text


def test_a_short_value_shows_no_tail():
    # Given secret-shaped values with fewer than eight characters after the prefix
    # Then only the prefix is shown: their last four would be half of them
    assert redact("sk_" + "live_abc1") == "sk_live_..."
    assert redact("whsec_" + "a+/=") == "whsec_..."


@pytest.fixture()
def log_lines():
    """What the service's logger writes (its own formatter), and the records every other handler receives."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    records: list[logging.LogRecord] = []
    recorder = logging.Handler()
    recorder.emit = records.append  # type: ignore[method-assign]
    for added in (handler, recorder):
        logger.addHandler(added)
    yield stream, records
    for added in (handler, recorder):
        logger.removeHandler(added)


def test_a_log_record_is_masked_in_its_message_arguments_keys_and_exception(log_lines):
    stream, records = log_lines
    # Given a key in a message argument, a structured key, an appended key and an exception's message
    value = fresh("rk_" + "test_")
    logger.append_keys(request_key=value)
    try:
        logger.info("price %s rejected", value, stripe_message=f"No such price: '{value}'")
        try:
            raise ValueError(f"No such price: '{value}'")
        except ValueError:
            logger.exception("unhandled error")
    finally:
        logger.remove_keys(["request_key"])
    # Then neither the written JSON lines nor the records any other handler gets hold it; the masked form does
    # (the exception object itself stays in exc_info, which handlers render from the masked exc_text)
    written = stream.getvalue()
    seen = " ".join(f"{r.getMessage()} {r.stripe_message if hasattr(r, 'stripe_message') else ''} {r.exc_text or ''}"
                    for r in records)
    leaked = value in written or value in seen  # a boolean: a failure message must not show the value either
    assert not leaked
    assert written.count(mask(value)) >= 4
    assert mask(value) in records[0].getMessage() and mask(value) in records[1].exc_text


def test_every_answer_of_handle_is_masked_success_and_error_alike():
    # Given a resolver whose route echoes a query value back, in the body and in a header
    app = api.resolver()

    @app.get("/echo")
    def echo():  # a Response: no return annotation, so no response validation
        value = app.current_event.get_query_string_value("v") or ""
        return api.json_response(200, {"value": value}, {"X-Echo": value})

    @app.get("/fail")
    def fail() -> None:
        from paykit import errors
        raise errors.BadRequest(f"Unknown price: {app.current_event.get_query_string_value('v')}")

    value = fresh("whsec_")
    for path in ("/echo", "/fail"):
        event = {"version": "2.0", "routeKey": f"GET {path}", "rawPath": path, "rawQueryString": f"v={value}",
                 "queryStringParameters": {"v": value}, "headers": {}, "isBase64Encoded": False,
                 "requestContext": {"http": {"method": "GET", "path": path}, "requestId": "r", "stage": "$default"}}
        # When it answers
        result = api.handle(app, event, None, role=None)
        # Then the value comes back masked only
        assert result["statusCode"] in (200, 400)
        leaked = value in json.dumps(result)
        assert not leaked and mask(value) in result["body"]


def test_a_known_path_with_another_method_inside_one_function_is_a_405_with_its_own_methods():
    # Given one function's resolver (reached through a Function URL, any method and path get to it)
    app = api.resolver()

    @app.post("/api/v1/payments/stripe/webhooks/<project_id>/<mode>")
    def receive(project_id: str, mode: str) -> dict:
        return {}

    def call(method: str, path: str) -> dict:
        event = {"version": "2.0", "routeKey": "$default", "rawPath": path, "headers": {}, "isBase64Encoded": False,
                 "requestContext": {"http": {"method": method, "path": path}, "requestId": "r", "stage": "$default"}}
        return api.handle(app, event, None, role=None)

    # When its path is sent a GET, and a path it does not serve (another function's) is sent a POST
    wrong_method = call("GET", "/api/v1/payments/stripe/webhooks/p/test")
    elsewhere = call("POST", "/api/v1/payments/stats")
    # Then Powertools' plain 404 has become a 405 naming POST, and the other path is a 404: never an Allow for a
    # route this function does not serve
    assert (wrong_method["statusCode"], wrong_method["headers"]["Allow"]) == (405, "POST")
    assert json.loads(wrong_method["body"]) == {"detail": "Method Not Allowed"}
    assert (elsewhere["statusCode"], json.loads(elsewhere["body"])) == (404, {"detail": "Not Found"})
