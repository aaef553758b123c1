# PayKit: the commands the README shows. `make run` starts the local stack, `make test` runs every test.
SHELL := /bin/bash
PY312 := $(shell PYENV_VERSION=3.12.1 python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3.12)
VENV := .venv
SAMVENV := .venv-sam
PYTHON := $(VENV)/bin/python
# The venv imports the layer (paykit) and this repository's packages (local, bench, tests, scripts) through a .pth
# file, from any directory and without PYTHONPATH (docs/decisions.md); sam build packages layers/paykit as it is.
SITE_PTH := $(VENV)/lib/python3.12/site-packages/paykit-repo.pth
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: install run test quick lint build bench browser clean redrive openapi refresh-all sdk sdk-deps

$(VENV)/.installed: requirements-dev.txt layers/paykit/requirements.txt stripe-emulator/pyproject.toml
	@test -n "$(PY312)" || { echo "Python 3.12 is required (pyenv: 3.12.1, or python3.12 on PATH)"; exit 1; }
	test -x $(PYTHON) || $(PY312) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(SITE_PTH): $(VENV)/.installed
	printf '%s\n' "$(CURDIR)/layers/paykit" "$(CURDIR)" > $@

install: $(SITE_PTH)

$(SAMVENV)/.installed: requirements-sam.txt
	@test -n "$(PY312)" || { echo "Python 3.12 is required (pyenv: 3.12.1, or python3.12 on PATH)"; exit 1; }
	test -x $(SAMVENV)/bin/python || $(PY312) -m venv $(SAMVENV)
	$(SAMVENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it through executable_path).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; }

run: $(SITE_PTH)
	$(PYTHON) -m local.stack

# The TypeScript SDK's packages, exactly as package-lock.json has them (its tests run under `make test`).
TS_SDK := sdk/typescript
$(TS_SDK)/node_modules/.installed: $(TS_SDK)/package.json $(TS_SDK)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20.19+ with npm is required for the SDK's tests"; exit 1; }
	cd $(TS_SDK) && npm ci --no-audit --no-fund
	touch $@

# The Python SDK in .venv (editable) for its tests, and its generator in a venv of its own with its own pins.
PY_SDK := sdk/python
SDKGENVENV := .venv-sdkgen
$(VENV)/.sdk-installed: $(VENV)/.installed $(PY_SDK)/requirements.txt $(PY_SDK)/pyproject.toml
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r $(PY_SDK)/requirements.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps -e $(PY_SDK)
	touch $@

$(SDKGENVENV)/.installed: $(PY_SDK)/requirements-generator.txt
	@test -n "$(PY312)" || { echo "Python 3.12 is required (pyenv: 3.12.1, or python3.12 on PATH)"; exit 1; }
	test -x $(SDKGENVENV)/bin/python || $(PY312) -m venv $(SDKGENVENV)
	$(SDKGENVENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(PY_SDK)/requirements-generator.txt
	touch $@

# The example app links the SDK from the repository path (its tests build the SDK's dist/ first).
EXAMPLE := examples/react-billing
$(EXAMPLE)/node_modules/.installed: $(EXAMPLE)/package.json $(EXAMPLE)/package-lock.json $(TS_SDK)/node_modules/.installed
	cd $(EXAMPLE) && npm ci --no-audit --no-fund
	touch $@

sdk-deps: $(TS_SDK)/node_modules/.installed $(EXAMPLE)/node_modules/.installed $(VENV)/.sdk-installed \
	$(SDKGENVENV)/.installed

# Regenerates both clients from docs/openapi.json (tests/e2e/sdk/test_generated.py fails while either is stale).
sdk: sdk-deps
	cd $(TS_SDK) && npm run generate
	PATH="$(CURDIR)/$(SDKGENVENV)/bin:$$PATH" $(SDKGENVENV)/bin/openapi-python-client generate \
	  --path docs/openapi.json --meta none --config $(PY_SDK)/generator.yaml \
	  --output-path $(PY_SDK)/paykit_client/generated --overwrite

test: $(SITE_PTH) $(SAMVENV)/.installed browser sdk-deps
	$(PYTHON) -m pytest -q -n 2 --dist loadfile tests

# The inner loop: the unit and emulator tests only (about 30 s on 2 cores); `make test` runs everything.
quick: $(SITE_PTH)
	$(PYTHON) -m pytest -q -n 2 tests/unit tests/emulator

lint: $(SITE_PTH) $(SAMVENV)/.installed
	$(SAMVENV)/bin/sam validate --lint
	$(VENV)/bin/cfn-lint -a cfn_lint_serverless.rules -- template.yaml

build: $(SAMVENV)/.installed
	PATH="$(dir $(PY312)):$$PATH" $(SAMVENV)/bin/sam build

# docs/openapi.json from the handlers' resolvers (a test fails when the checked-in copy is stale).
openapi: $(SITE_PTH)
	$(PYTHON) -m local.openapi

bench: $(SITE_PTH)
	$(PYTHON) -m bench

# Move the webhook DLQ's messages back to the queue: STACK=<name> for AWS; the local stack with AWS_ENDPOINT_URL set.
redrive: $(SITE_PTH)
	$(PYTHON) scripts/redrive_dlq.py $(if $(STACK),--stack $(STACK),)

# A full stats recount now (issue 15; the hourly pass recounts only what changed): STACK=<name> invokes the deployed
# refresher, otherwise the running local stack (make run) at LOCAL (default http://127.0.0.1:3000).
refresh-all: $(SITE_PTH)
	$(PYTHON) scripts/refresh_all.py $(if $(STACK),--stack $(STACK),--local $(or $(LOCAL),http://127.0.0.1:3000))

clean:
	rm -rf $(VENV) $(SAMVENV) $(SDKGENVENV) .aws-sam
