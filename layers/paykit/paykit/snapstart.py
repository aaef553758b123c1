"""SnapStart restore hook: what a container resumed from a snapshot must not share with its siblings or its past.

Lambda snapshots a function's memory after init and resumes every new container of that version from it, possibly
hours later. Init (the functions' module level) only imports and builds clients: no network call, no secret read,
no random draw. After a restore:
- `random` is reseeded: every container of a version would otherwise draw the same sequence (`uuid.uuid4` and
  `secrets` read os.urandom and need nothing);
- the per-container caches with a clock (secrets, webhook gates, Stripe clients and their pooled connections, the
  token verifier's keys) are dropped by rebuilding their owners; their ages run on time.monotonic, which a restore
  does not advance by the time the snapshot sat;
- the boto3 session and clients are kept (they are what the snapshot saves): under SnapStart Lambda hands the SDK
  container credentials, which botocore refreshes on their own expiry, and init opened no connection to go stale.

The hook registers on import of `paykit` (every handler imports it, as Lambda requires for hooks). The
`snapshot_restore_py` module ships with Lambda's Python runtimes; where it is absent (a plain local venv) nothing
registers.
"""
from __future__ import annotations

import random
import sys
from typing import Any, Callable

try:
    from snapshot_restore_py import register_after_restore
except ImportError:  # not in Lambda: no snapshots, nothing to restore

    def register_after_restore(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return func


# The cached factories whose products hold clock-aged caches; each product is rebuilt on first use from the kept
# clients. Read from sys.modules: a module the function never imported has nothing cached, and importing it here
# would only lengthen the restore.
CONTAINER_CACHES = (
    ("paykit.secrets", "default_secret_store"),
    ("paykit.stripe_gateway", "default_gateway"),
    ("paykit.auth", "default_verifier"),
    ("paykit.services.webhooks", "default_receiver"),
    ("paykit.processor.engine", "default_processor"),
    ("paykit.services.reconciler", "default_reconciler"),
)


@register_after_restore
def refresh_after_restore() -> None:
    random.seed()  # from os.urandom: this container's own sequence
    for module_name, factory in CONTAINER_CACHES:
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, factory).cache_clear()
