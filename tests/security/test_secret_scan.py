"""The secret scan itself: fed fake leaks (never through the real run's loggers or client), it catches and masks them."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from local.handler_client import Reply
from tests.secret_scan import Scanner, find_secrets

ROOT = Path(__file__).resolve().parents[2]
# Built at run time so that no line of this file is itself a finding when pytest shows it.
FAKE = {"sk": "sk_" + "test_" + "FAKE0leak0" * 3, "rk": "rk_" + "live_" + "FAKE1leak1" * 3,
        "whsec": "whsec_" + "FAKE2leak2" * 3, "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.FAKE3leak3"}


def record(name: str, message: str, **extra: str) -> logging.LogRecord:
    """A log record made by hand: emitting it through `logging` would leak into the real run's scan."""
    item = logging.LogRecord(name, logging.INFO, __file__, 1, message, None, None)
    item.__dict__.update(extra)
    return item


@pytest.mark.parametrize("text", [
    f"key={FAKE['sk']}", f'{{"secret": "{FAKE["rk"]}"}}', f"whsec is {FAKE['whsec']}",
    f"Authorization: Bearer {FAKE['jwt']}", f"'authorization': 'Basic {FAKE['jwt'][:20]}'",
    f"sent bearer {FAKE['jwt']}",
], ids=["secret-key", "restricted-key", "webhook-secret", "authorization-header", "basic-auth-dict", "bearer"])
def test_each_kind_of_secret_is_found_and_masked(text):
    findings = find_secrets(text)
    assert findings
    assert not any(secret in f for f in findings for secret in FAKE.values())
    assert all("****" in f for f in findings)


@pytest.mark.parametrize("text", [
    '{"test_secret_key_masked":"sk_test_...aBcD","test_webhook_secret_masked":"whsec_...iJkL"}',
    'curl -H "Authorization: Bearer $DEV_TOKEN"', "WWW-Authenticate: Bearer", "stripe-signature: t=1,v1=abc",
    '{"detail":"Could not validate credentials"}', "pk_test_" + "a" * 24,
], ids=["masked-config", "shell-variable", "www-authenticate", "signature-header", "401-body", "publishable-key"])
def test_masked_values_and_public_keys_are_not_findings(text):
    assert find_secrets(text) == []


def test_a_scanner_catches_log_records_and_responses_but_not_the_emulators_own_logs():
    # Given a scanner of its own (the run's SCANNER never sees these fakes)
    scanner = Scanner()
    # When PayKit logs a secret in a message and in a structured key, and a response body carries one
    scanner.scan_record(record("paykit", "config saved", stripe_key=FAKE["sk"]))
    scanner.scan_record(record("paykit.services", f"headers {{'authorization': 'Bearer {FAKE['jwt']}'}}"))
    scanner.scan_response("GET", "/api/v1/x", Reply(200, {"content-type": "application/json"},
                                                    f'{{"secret": "{FAKE["whsec"]}"}}'))
    # And the emulator (Stripe's side) logs a key, which it legitimately holds
    scanner.scan_record(record("stripe_emulator", f"created key {FAKE['sk']}"))
    # Then findings in the three PayKit places only, each naming where it was, none showing the secret
    found = scanner.take_pending()
    assert sorted({f.split(":")[0] for f in found}) == ["log record of paykit", "log record of paykit.services",
                                                         "response to GET /api/v1/x"], found
    assert not any(secret in f for f in found for secret in FAKE.values())


def test_a_leak_anywhere_in_a_run_fails_the_run_even_across_xdist_workers(tmp_path):
    # Given a separate pytest run (two xdist workers) whose tests leak through a PayKit log line, a response and
    # captured stdout, and pass
    (tmp_path / "test_leaky.py").write_text(textwrap.dedent('''
        import logging
        from local.handler_client import RESPONSE_OBSERVERS, Reply

        SECRET = "sk_" + "live_" + "INNER0leak0" * 3

        def test_logs():
            logging.getLogger("paykit").warning("saving %s", SECRET)

        def test_responds():
            for observe in RESPONSE_OBSERVERS:
                observe("GET", "/api/v1/leak", Reply(200, {}, '{"k": "%s"}' % SECRET.replace("sk_", "rk_")))

        def test_prints():
            print("whsec_" + "INNER1leak1" * 3)
    '''))
    # (installed plugins are not auto-loaded: importing them all costs seconds per worker)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'paykit'}{os.pathsep}{ROOT}",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    # When it runs with the plugin
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "xdist", "-p",
                          "tests.secret_scan", "-n", "2", "test_leaky.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    # Then every test passed, yet the run failed, showing three masked findings with their tests
    output = run.stdout + run.stderr
    assert "3 passed" in output and run.returncode == 1, output
    assert "secret scan" in output and "INNER" not in output, output
    for test in ("test_logs", "test_responds", "test_prints"):
        assert f"test_leaky.py::{test}" in output, output


def test_answers_of_a_local_stack_over_http_are_scanned_and_other_servers_are_not(monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests

    from tests import secret_scan

    class Leaky(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f'{{"secret": "{FAKE["sk"]}"}}'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    # Given a server answering with a secret, and a scanner of its own in place of the run's
    scanner = Scanner()
    monkeypatch.setattr(secret_scan, "SCANNER", scanner)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Leaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # When it is not a local stack's gateway (the emulator, say), its answer is not PayKit's
        requests.get(f"{url}/v1/account", timeout=5)
        assert scanner.pending == []
        # When it is registered as a gateway, the same answer is a finding, masked
        monkeypatch.setattr(secret_scan, "GATEWAYS", {url})
        requests.get(f"{url}/api/v1/projects/", timeout=5)
        # (taken at once: the plugin's report hook reads the module's scanner, this one, until the test ends)
        found, scanner.pending = scanner.pending, []
    finally:
        server.shutdown()
        server.server_close()
    assert len(found) == 1 and "response to GET /api/v1/projects/" in found[0]
    assert FAKE["sk"] not in found[0]
