"""SnapStart's restore hook, run as Lambda runs it: every registered after-restore callable, in order."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid

import snapshot_restore_py

from paykit import aws, snapstart
from paykit.secrets import default_secret_store
from paykit.stripe_gateway import default_gateway
from tests.conftest import SECRET_PREFIX


def run_after_restore_hooks() -> None:
    """What the Lambda runtime does when it resumes a container from the snapshot."""
    for func, args, kwargs in snapshot_restore_py.get_after_restore():
        func(*args, **kwargs)


def test_importing_paykit_registers_the_restore_hook_once():
    # Given paykit imported, as every handler does at init
    import paykit  # noqa: F401

    # Then the runtime's registry holds paykit's restore hook, once
    registered = [func for func, _, _ in snapshot_restore_py.get_after_restore()]
    assert registered.count(snapstart.refresh_after_restore) == 1


def test_containers_restored_from_one_snapshot_draw_their_own_random_numbers():
    # Given the random state a snapshot carries into every container it resumes
    random.seed(20260101)
    snapshot_sequence = [random.random() for _ in range(4)]
    random.seed(20260101)

    # When a container is restored
    run_after_restore_hooks()

    # Then it does not replay the snapshot's sequence
    assert [random.random() for _ in range(4)] != snapshot_sequence


def test_a_secret_cached_before_the_snapshot_is_read_again_after_a_restore(service_env):
    # Given a secret the container cached, then changed in Secrets Manager behind its back
    name = f"{SECRET_PREFIX}/snapstart/{uuid.uuid4()}"
    default_secret_store().put_json(name, {"marker": "before"}, exists=False)
    aws.client("secretsmanager").put_secret_value(SecretId=name, SecretString='{"marker": "after"}')
    assert default_secret_store().get_json(name) == {"marker": "before"}  # the cache still answers

    # When the container is restored
    run_after_restore_hooks()

    # Then the next read goes to Secrets Manager
    assert default_secret_store().get_json(name) == {"marker": "after"}


def test_stripe_clients_and_their_connections_are_new_after_a_restore(service_env, stripe_account):
    # Given a project's Stripe client cached with its connection pool
    project_id = str(uuid.uuid4())
    default_secret_store().put_json(f"{SECRET_PREFIX}/projects/{project_id}/test",
                                    {"secret_key": stripe_account["test_secret_key"]}, exists=False)
    before = default_gateway().client_for(project_id, "test")
    assert default_gateway().client_for(project_id, "test") is before

    # When the container is restored
    run_after_restore_hooks()

    # Then the project gets a new client, which still reaches Stripe with the project's key
    after = default_gateway().client_for(project_id, "test")
    assert after is not before
    assert after.v1.accounts.retrieve_current().id == stripe_account["id"]


def test_aws_clients_built_at_init_survive_the_restore(service_env):
    # Given the DynamoDB client init built (what the snapshot is for)
    client = aws.client("dynamodb")

    # When the container is restored
    run_after_restore_hooks()

    # Then it is kept, not rebuilt
    assert aws.client("dynamodb") is client


def test_paykit_imports_where_the_snapshot_library_is_absent():
    # Given an interpreter without snapshot_restore_py (a plain local venv, the bench's runtime venv)
    script = ("import sys; sys.modules['snapshot_restore_py'] = None\n"
              "import paykit.snapstart as s; s.refresh_after_restore(); print('ok')")

    # When paykit is imported and the hook called
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})

    # Then both work
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
