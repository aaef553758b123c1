"""End to end over HTTP: the printed walkthrough of `make run` works as a newcomer would follow it."""
from __future__ import annotations

import re
import shlex
import subprocess

import requests

from tests.e2e.conftest import RunningStack


def printed(stack: RunningStack, name: str) -> str:
    match = re.search(rf"export {name}=(\S+)", stack.output())
    assert match, stack.output()
    return match.group(1)


def test_printed_curl_lines_answer_with_the_seeded_demo(local_stack: RunningStack) -> None:
    # Given the walkthrough the stack printed
    env = {"DEV_TOKEN": printed(local_stack, "DEV_TOKEN"), "USER_TOKEN": printed(local_stack, "USER_TOKEN"),
           "PATH": "/usr/bin:/bin"}
    curls = [line.strip() for line in local_stack.output().splitlines() if line.strip().startswith("curl ")]
    assert len(curls) >= 4
    # When each curl line runs in a shell
    outputs = [subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=30).stdout
               for line in curls]
    # Then the project list shows the demo project, its config is masked, and its webhook URLs point here
    assert '"name":"Demo SaaS"' in outputs[0]
    assert '"has_test_credentials":true' in outputs[1]
    assert '"test_secret_key_masked":"sk_test_...' in outputs[2]
    assert f"{local_stack.url}/api/v1/payments/stripe/webhooks/" in outputs[3]
    assert '"token"' in outputs[4]
    assert all(shlex.split(line)[0] == "curl" for line in curls)


def test_gateway_speaks_api_gateway_errors(local_stack: RunningStack) -> None:
    assert requests.get(f"{local_stack.url}/nowhere", timeout=10).status_code == 404
    unauth = requests.get(f"{local_stack.url}/api/v1/projects/", timeout=10)
    assert unauth.status_code == 401 and unauth.headers["WWW-Authenticate"] == "Bearer"
    bad_token_request = requests.post(f"{local_stack.url}/_local/token", json={"role": "admin"}, timeout=10)
    assert bad_token_request.status_code == 422


def test_developer_flow_over_http(local_stack: RunningStack) -> None:
    token = local_stack.token("developer", "e2e-developer")
    auth = {"Authorization": f"Bearer {token}"}
    project = requests.post(f"{local_stack.url}/api/v1/projects/", json={"name": "E2E"}, headers=auth, timeout=10)
    assert project.status_code == 201
    project_id = project.json()["id"]
    account = requests.post(f"{local_stack.emulator_url}/_emulator/accounts", json={}, timeout=10).json()
    config_url = f"{local_stack.url}/api/v1/payments/stripe/projects/{project_id}/config"
    put = requests.put(config_url, json={"test_secret_key": account["test_secret_key"]}, headers=auth, timeout=10)
    assert put.status_code == 200 and put.json()["has_test_credentials"] is True
    valid = requests.post(f"{local_stack.url}/api/v1/payments/stripe/projects/{project_id}/validate-credentials",
                          json={"secret_key": account["test_secret_key"]}, headers=auth, timeout=20)
    assert valid.json() == {"valid": True, "message": "Stripe credentials are valid"}
    assert requests.delete(config_url, headers=auth, timeout=10).status_code == 204
    assert requests.get(config_url, headers=auth, timeout=10).json()["is_active"] is False
    other = {"Authorization": f"Bearer {local_stack.token('developer', 'intruder')}"}
    assert requests.get(config_url, headers=other, timeout=10).status_code == 403
