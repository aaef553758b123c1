"""Pytest plugin: fails the run when a PayKit response body or log line carries a Stripe secret or a bearer token."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import urlsplit

import pytest

# Masked values (`sk_test_...aBcD`) never match: the patterns need 8+ key characters straight after the prefix.
SECRET_PATTERNS = {
    "stripe secret key": re.compile(r"\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{8,}"),
    "webhook secret": re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]{8,}"),
    "bearer token": re.compile(r"\bbearer\s+[A-Za-z0-9._~+/=-]{10,}", re.IGNORECASE),
    "authorization header": re.compile(r"""\bauthorization["']?\s*[:=]\s*["']?[A-Za-z]+\s+[A-Za-z0-9._~+/=-]{6,}""",
                                       re.IGNORECASE),
}
# The emulator is Stripe's side: its own logs and API answers legitimately hold keys and webhook secrets.
NOT_PAYKIT_LOGGERS = ("stripe_emulator", "werkzeug")
_STANDARD_RECORD_KEYS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_CAPTURED_OUTPUT = ("Captured stdout", "Captured stderr")
_PROPERTY = "secret_scan"


def mask(secret: str) -> str:
    """Enough to find the leak, never enough to use it."""
    head = re.match(r"(?i)(sk_test_|sk_live_|rk_test_|rk_live_|whsec_|bearer\s+|\S*authorization\S*\s*)", secret)
    prefix = head.group(0) if head else ""
    return f"{prefix}****({len(secret)} chars)"


def find_secrets(text: str) -> list[str]:
    """Masked descriptions of every secret-looking string in `text`."""
    return [f"{kind}: {mask(hit.group(0))}" for kind, pattern in SECRET_PATTERNS.items() for hit in pattern.finditer(text)]


@dataclass
class Scanner:
    """Findings of one process; `pending` are those not yet attached to a test report."""

    pending: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def scan(self, text: str, where: str) -> None:
        for finding in find_secrets(text):
            entry = f"{where}: {finding}"
            if entry not in self.pending and entry not in self.findings:
                self.pending.append(entry)

    def scan_record(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in NOT_PAYKIT_LOGGERS:
            return
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD_KEYS}
        self.scan(f"{record.getMessage()} {extras!r} {record.exc_text or ''}", f"log record of {record.name}")

    def scan_response(self, method: str, path: str, reply: Any) -> None:
        headers = {k: v for k, v in reply.headers.items() if k.lower() != "www-authenticate"}
        self.scan(f"{reply.text} {headers!r}", f"response to {method} {path}")

    def take_pending(self) -> list[str]:
        taken, self.pending = self.pending, []
        self.findings.extend(taken)
        return taken

    def record(self, entries: Iterable[str]) -> None:
        self.findings.extend(e for e in entries if e not in self.findings)


class ScanningHandler(logging.Handler):
    def __init__(self, scanner: Scanner) -> None:
        super().__init__(level=logging.DEBUG)
        self.scanner = scanner

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.scanner.scan_record(record)
        except Exception:  # noqa: BLE001 - a scanner bug must not break the test that logged
            self.handleError(record)


SCANNER = Scanner()
HANDLER = ScanningHandler(SCANNER)


def _attach_handler() -> None:
    """Root, plus every logger that does not propagate (Powertools' service logger sets propagate=False)."""
    targets = [logging.getLogger(), logging.getLogger("paykit")]
    targets += [lg for lg in logging.root.manager.loggerDict.values()
                if isinstance(lg, logging.Logger) and not lg.propagate]
    for target in targets:
        if HANDLER not in target.handlers:
            target.addHandler(HANDLER)


def _observe_response(method: str, path: str, reply: Any) -> None:
    SCANNER.scan_response(method, path, reply)


# Base URLs of the local stacks the e2e tests run: what they answer over HTTP is PayKit's (the emulator's is not).
GATEWAYS: set[str] = set()


def _observe_http() -> None:
    """Every `requests` answer from a local stack's gateway is scanned as the in-process handler replies are."""
    import requests

    original = requests.Session.send
    if getattr(original, "_secret_scan", False):
        return

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = original(session, request, **kwargs)
        url = request.url or ""
        if not kwargs.get("stream") and any(url.startswith(f"{gateway}/") for gateway in GATEWAYS):
            SCANNER.scan_response(request.method or "", urlsplit(url).path, response)
        return response

    send._secret_scan = True  # type: ignore[attr-defined]
    requests.Session.send = send  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    from local import handler_client

    if _observe_response not in handler_client.RESPONSE_OBSERVERS:
        handler_client.RESPONSE_OBSERVERS.append(_observe_response)
    _observe_http()
    _attach_handler()


def pytest_runtest_setup(item: pytest.Item) -> None:
    _attach_handler()  # loggers created by the previous test's imports


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    report = outcome.get_result()
    found = SCANNER.take_pending()
    if found:  # user_properties travel with the report from an xdist worker to the controller
        report.user_properties.append((_PROPERTY, [f"{item.nodeid} ({call.when}) {f}" for f in found]))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, content in report.sections:
        if name.startswith(_CAPTURED_OUTPUT):
            for finding in find_secrets(content):
                SCANNER.record([f"{report.nodeid} ({name}): {finding}"])
    for key, value in report.user_properties:
        if key == _PROPERTY:
            SCANNER.record(value)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCANNER.findings and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.section("secret scan: secrets in PayKit responses or logs", red=True)
        for finding in SCANNER.findings:
            terminalreporter.line(finding)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    SCANNER.record(SCANNER.take_pending())
    # On an xdist worker the findings went to the controller with the reports; the controller decides.
    if SCANNER.findings and not hasattr(session.config, "workerinput"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
