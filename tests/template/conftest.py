"""Fixtures of the template checks: the SAM CLI with dummy credentials and Python 3.12, the parsed template."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.template import load_template
from tests.template.cli import SAM


def _python312_dir() -> Path | None:
    """Directory of a python3.12 interpreter: this venv's base one, else pyenv's 3.12.1, else PATH's."""
    base = Path(sys.base_prefix) / "bin" / "python3.12"
    if base.exists():
        return base.parent
    try:
        found = subprocess.run(
            ["python3.12", "-c", "import sys; print(sys.executable)"],
            env={**os.environ, "PYENV_VERSION": "3.12.1"}, capture_output=True, text=True, timeout=30, check=True,
        ).stdout.strip()
        return Path(found).parent
    except (OSError, subprocess.SubprocessError):
        which = shutil.which("python3.12")
        return Path(which).parent if which else None


@pytest.fixture(scope="session")
def sam_env() -> dict[str, str]:
    """The SAM CLI's environment: dummy credentials, no telemetry, Python 3.12 first on PATH for `sam build`."""
    python_dir = _python312_dir()
    path = os.environ.get("PATH", "")
    # Nothing of the service's own test environment (moto's endpoint, the layer on PYTHONPATH) reaches the tools.
    inherited = {
        key: value for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "AWS_PROFILE", "AWS_SESSION_TOKEN"} and not key.startswith("AWS_ENDPOINT_URL")
    }
    return {
        **inherited,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_BETA_FEATURES": "0",
        "PATH": f"{python_dir}{os.pathsep}{path}" if python_dir else path,
    }


@pytest.fixture(scope="session")
def sam() -> Path:
    if not SAM.exists():
        pytest.skip(f"AWS SAM CLI missing at {SAM}: run `make test` (it installs .venv-sam from requirements-sam.txt)")
    return SAM


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return template["Resources"]
