"""Hosts the real Lambda handlers in this process: loads functions/<name>/app.py and invokes them like Lambda."""
from __future__ import annotations

import importlib.util
import sys
import threading
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"

# Powertools keeps the current event on a class attribute shared by every resolver in the process, so one
# invocation at a time, as in one Lambda container. Deliveries and polls wait their turn; nothing re-enters.
INVOKE_LOCK = threading.RLock()


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@lru_cache(maxsize=None)
def load_function(name: str) -> ModuleType:
    """Imports functions/<name>/app.py under a unique module name (every function's module is called app)."""
    path = FUNCTIONS_DIR / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"paykit_function_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no function module at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def invoke(name: str, event: dict[str, Any]) -> Any:
    handler = load_function(name).lambda_handler
    with INVOKE_LOCK:
        return handler(event, LambdaContext(function_name=f"paykit-{name}"))
