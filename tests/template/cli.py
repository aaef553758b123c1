"""Where the template tools live and how the tests run them (from the repository root, output captured)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from local.template import TEMPLATE_PATH

REPO_ROOT = TEMPLATE_PATH.parent
SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def run(
    command: list[str | Path], env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run a tool from the repository root with stdout and stderr together, for assertion messages."""
    return subprocess.run(
        [str(part) for part in command], cwd=REPO_ROOT, env=env, timeout=timeout,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
