"""cfn-lint, with the serverless rules (cfn-lint-serverless) added, finds nothing in the template."""
from __future__ import annotations

import pytest

from local.template import TEMPLATE_PATH
from tests.template.cli import CFN_LINT, run

SERVERLESS_RULES = "cfn_lint_serverless.rules"


@pytest.fixture(scope="module")
def cfn_lint(sam_env):
    if not CFN_LINT.exists():
        pytest.fail(f"cfn-lint missing at {CFN_LINT}: it is in requirements-dev.txt")

    def lint(path: str) -> object:
        return run([CFN_LINT, "--append-rules", SERVERLESS_RULES, "--", path], env=sam_env)

    return lint


def test_cfn_lint_with_serverless_rules_reports_nothing(cfn_lint):
    # Given the repository's template
    # When cfn-lint checks it with its own rules and the serverless ones
    result = cfn_lint("template.yaml")

    # Then nothing is reported
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == ""


def test_cfn_lint_serverless_rules_are_really_applied(cfn_lint, tmp_path):
    # Given a copy of the template whose HTTP API lost its default throttling (serverless rule ES2003)
    source = TEMPLATE_PATH.read_text(encoding="utf-8")
    assert "ThrottlingBurstLimit:" in source
    broken = tmp_path / "template.yaml"
    broken.write_text(
        "\n".join(line for line in source.splitlines() if "ThrottlingBurstLimit:" not in line) + "\n", encoding="utf-8"
    )

    # When it is linted the same way
    result = cfn_lint(str(broken))

    # Then the serverless rule fires: the clean result above is not a rule set that silently failed to load
    assert result.returncode != 0
    assert "ES2003" in result.stdout, result.stdout
