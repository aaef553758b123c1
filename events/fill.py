"""Fills a sample event's placeholders (events/README.md) so it can be invoked: the tests and `sam local invoke -e`.

    python -m events.fill events/projects/GetProject.json DEV_TOKEN=... PROJECT_ID=... > /tmp/event.json
    sam local invoke ProjectsFunction -e /tmp/event.json

`{{NAME}}` inside a string becomes the value given for NAME; the string `"{{NOW}}"` (or `"{{NOW+86400}}"`, also
inside a JSON body kept as an escaped string) becomes the current Unix time (plus the seconds) as a number; a `stripe-signature` header of `{{STRIPE_SIGNATURE}}` is computed last, over the filled body, with
WEBHOOK_SECRET (default: TEST_WEBHOOK_SECRET, the documented test secret). A placeholder left without a value is
an error, so a stale sample fails loudly instead of reaching a handler half-filled.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parent
# The webhook signing secret the samples are signed with: configure it as the project's test webhook secret
# (PUT .../config `test_webhook_secret`) in a stack where they should verify. A test value, never a real one.
TEST_WEBHOOK_SECRET = "whsec_PayKitSampleEventsTestOnly"
PLACEHOLDER = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")
TIMESTAMP = re.compile(r'\\*"\{\{NOW(?:\+(\d+))?\}\}\\*"')  # quotes escaped once per level of nesting
SIGNATURE = "{{STRIPE_SIGNATURE}}"


def stripe_signature(body: str, secret: str, timestamp: int | None = None) -> str:
    """Stripe's `t=<unix>,v1=<hex hmac_sha256(secret, "<t>.<body>")>`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def fill_text(text: str, values: dict[str, str], now: int | None = None) -> str:
    now = int(time.time()) if now is None else now
    text = TIMESTAMP.sub(lambda match: str(now + int(match.group(1) or 0)), text)

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "STRIPE_SIGNATURE":
            return match.group(0)  # signed once the body is final
        if name not in values:
            raise KeyError(f"no value for placeholder {{{{{name}}}}}")
        return str(values[name])

    return PLACEHOLDER.sub(value, text)


def fill(path: str | Path, values: dict[str, str], now: int | None = None) -> dict[str, Any]:
    """The sample at `path` (relative to events/ or absolute) with its placeholders filled."""
    path = Path(path)
    text = (path if path.is_absolute() or path.exists() else EVENTS_DIR / path).read_text(encoding="utf-8")
    event = json.loads(fill_text(text, values, now))
    headers = event.get("headers") or {}
    if headers.get("stripe-signature") == SIGNATURE:
        headers["stripe-signature"] = stripe_signature(event["body"], values.get("WEBHOOK_SECRET", TEST_WEBHOOK_SECRET),
                                                       now)
    return event


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    values = dict(arg.split("=", 1) for arg in argv[1:])
    json.dump(fill(argv[0], values), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
