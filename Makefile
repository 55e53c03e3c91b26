# mlplatform: every target sets itself up on a fresh machine (venv, npm ci, terraform CLI config).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STATE := .mlplatform
CHECKOV := .tools/checkov/bin/checkov
CHECKOV_VERSION := 3.3.30
FEAST := .tools/feast/.installed
FEAST_VERSION := 0.67.0
ENV ?=

# The project's own terraform config wins over whatever the shell had (it may not exist).
export TF_CLI_CONFIG_FILE := $(CURDIR)/$(STATE)/terraform.rc
export CHECKPOINT_DISABLE := 1
# cdktf would set TF_PLUGIN_CACHE_DIR=~/.terraform.d/plugin-cache over the config's plugin cache.
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 18,20
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/$(STATE)/jsii-cache
export CHECKOV_BIN := $(CURDIR)/$(CHECKOV)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Python keeps what it compiles in __pycache__ (git ignores it). Some shells and images set
# PYTHONDONTWRITEBYTECODE=1; then every process compiled src/ (1.3 MB) again, and pytest
# rewrote every test module again: about 0.2 CPU-s per process that imports the platform,
# and the suite starts hundreds (emulators, CLI runs, cdktf's own synths).
unexport PYTHONDONTWRITEBYTECODE
# terraform and the AWS provider are Go programs that spend a quarter of their CPU collecting
# garbage while the provider loads its schemas, once per start (three or four starts per
# terraform command). Collecting less often (a heap up to 5x its live size, never past 700 MiB
# before collecting anyway) cuts that: a one-resource plan 8.0 -> 5.4 CPU-s, validating every
# stack 31 -> 24 CPU-s, at about 140 MB more per provider. The shell's own values win.
export GOGC ?= 400
export GOMEMLIMIT ?= 700MiB

CDKTF := npx --no-install cdktf
# Synthesis runs Python optimized (-O), as cdktf.json's app does. cdktf's jsii-generated Python
# type-checks every argument of every call with typeguard behind `if __debug__:`, re-evaluating
# annotations with typing.get_type_hints each time (jsii documents -O as the switch that
# elides it; the node kernel still validates every value it is handed, and mypy --strict checks
# our calls). Synthesizing every environment: about 7.0 -> 6.5 CPU-s; the constructs' share of
# Python CPU 1.8 -> 1.0 s. Side effect: `assert` statements are skipped; src/ uses none for
# anything but type narrowing.
SYNTH_PY := $(PY) -O
# cdktf redraws its progress in place. Where the output is not a terminal (a CI log, a file)
# that is thousands of erased lines (a `make up` log: 580 KB, 2,275 erases), so there it
# prints plainly, as it does under CI=1, and without terraform's colour codes (--no-color on
# the commands that run terraform). Each cdktf recipe starts with this and runs
# `env $$plain ...`, adding $$nocolor to deploy, destroy and diff.
PLAIN_OUTPUT := if [ -t 1 ]; then plain=; nocolor=; else plain=CI=1; nocolor=--no-color; fi;

.PHONY: help setup up down test unit lint synth diff deploy destroy verify clean docs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-8s %s\n", $$1, $$2}'

# The four installs are independent: side by side. pip installs with --no-compile: compiling
# every module of every package it installs (564 MB in the project's venv, the prebuilt AWS
# bindings and pulumi_aws alone 430 MB) was most of set-up's CPU, and the suite imports a small
# part of it; Python compiles what it imports, once, into __pycache__. A fresh `make setup`
# went from 72 s to 59 s here (the suite's first run then compiles what it imports: +5 s).
setup: ## venv, npm ci, checkov, Feast, terraform CLI config
	@$(MAKE) --no-print-directory -s -j4 $(VENV)/.installed node_modules/.installed $(CHECKOV) $(FEAST) tfrc

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e '.[dev,pulumi]'
	@touch $@ $(VENV)/.emulator

# `make up` needs the package and the emulator only: on a fresh machine it does not wait for
# the test tools, the Pulumi engine, the prebuilt bindings, checkov or Feast (set-up took
# 59 s, this 20 s here). The full set-up, when current, has it all already.
$(VENV)/.emulator: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if [ ! $(VENV)/.installed -nt pyproject.toml ]; then \
	  $(PY) -m pip install --quiet --upgrade pip && \
	  $(PY) -m pip install --quiet --no-compile -e '.[emulator]'; \
	fi
	@touch $@

.PHONY: setup-emulator
setup-emulator:
	@$(MAKE) --no-print-directory -s -j3 $(VENV)/.emulator node_modules/.installed tfrc

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# checkov pins old versions of boto3 and friends; it gets a venv of its own.
$(CHECKOV):
	$(PYTHON) -m venv .tools/checkov
	.tools/checkov/bin/pip install --quiet --no-compile 'checkov==$(CHECKOV_VERSION)'

# Feast cannot share the project's venv: feast[aws] needs typeguard>=4, which the jsii runtime
# under constructs 10.8 pins to 2.13.3, and its aiobotocore pins botocore below our boto3. It
# gets a venv of its own, with this package beside it (--no-deps: Feast brings pydantic and
# PyYAML at our pins). Only the feature-store commands' tests run it (tests/test_feast.py).
$(FEAST): pyproject.toml
	@test -x .tools/feast/bin/python || $(PYTHON) -m venv .tools/feast
	.tools/feast/bin/pip install --quiet --no-compile 'feast[aws,redis]==$(FEAST_VERSION)'
	.tools/feast/bin/pip install --quiet --no-deps -e .
	@touch $@

.PHONY: tfrc
tfrc:
	@mkdir -p $(STATE)
	@$(PYTHON) scripts/write_terraformrc.py $(TF_CLI_CONFIG_FILE)

up: setup-emulator ## start the AWS emulator, deploy the local environment into it, save it as 'deployed'
	@$(PY) -m mlplatform.cli emulator start >/dev/null
	@endpoint=$$($(PY) -m mlplatform.cli emulator endpoint); \
	rm -rf cdktf.out/stacks/local-*; \
	$(PY) scripts/bootstrap_state_backend.py local --endpoint-url "$$endpoint"; \
	$(PLAIN_OUTPUT) env $$plain MLPLATFORM_ENV=local MLPLATFORM_AWS_ENDPOINT="$$endpoint" \
	  $(CDKTF) deploy 'local-*' --auto-approve --skip-provider-lock $$nocolor \
	  --outputs-file $(STATE)/local-outputs.json; \
	$(PY) -m mlplatform.cli outputs $(STATE)/local-outputs.json --endpoint "$$endpoint"; \
	$(PY) -m mlplatform.cli emulator snapshot deployed; \
	echo "after an experiment, put it back with: $(VENV)/bin/mlplatform emulator restore deployed"

down: ## stop the emulator (its state goes with it)
	@if [ -x $(PY) ]; then $(PY) -m mlplatform.cli emulator stop; fi
	@rm -rf cdktf.out/stacks/local-* $(STATE)/local-outputs.json

# The end-to-end deploys spend most of their time waiting on the provider, and the team repo
# scaffold test on pip and npm, so they run beside the rest of the suite instead of after it;
# their output follows. The upgrade from the saved release and the fresh deploy each have
# their own emulator, so they run side by side too; they start before mypy, and a mypy error
# stops them (tests/conftest.py unwinds a SIGTERM like Ctrl-C, so each emulator is stopped). Each side run names its file, so it does
# not import the whole suite to find its tests (tests/conftest.py refuses a marked test
# anywhere else). pytest exits 5 when a run selects
# nothing (PYTEST_ARGS naming other tests), which is not a failure here. The side runs are
# waited for before anything else starts a process: bash forgets a finished background
# process's status once a new process of the shell gets its pid, and the suite starts
# enough processes for pids to wrap (a `cat` between them once made `wait` fail with 127).
# The two end-to-end tests are the longest path, so the rest (mypy, the suite, the scaffold
# test) runs at a lower priority (nice 10): it takes the cores while they wait on the
# provider, and yields them when they work. The two end-to-end tests take about as long
# (the upgrade also runs `make diff ENV=local`), so they share the cores equally.
LINTED := src tests scripts benchmarks examples main.py

test: setup ## the whole suite: lint, types, config, constructs, snapshots, validate, policy, end to end
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	@$(PY) -m pytest tests/test_e2e_local.py -m 'e2e and not upgrade' $(PYTEST_ARGS) > $(STATE)/e2e.log 2>&1 & e2e=$$!; \
	$(PY) -m pytest tests/test_e2e_local.py -m 'e2e and upgrade' $(PYTEST_ARGS) > $(STATE)/upgrade.log 2>&1 & upgrade=$$!; \
	nice -n 10 $(PY) -m pytest tests/test_team_init.py -m scaffold $(PYTEST_ARGS) > $(STATE)/scaffold.log 2>&1 & scaffold=$$!; \
	$(PY) -m pytest tests/test_redis_store_deploys.py -m redis $(PYTEST_ARGS) > $(STATE)/redis.log 2>&1 & redis=$$!; \
	stop() { kill $$e2e $$upgrade $$scaffold $$redis 2>/dev/null || true; wait; }; \
	trap stop INT TERM; \
	echo '$(VENV)/bin/mypy'; nice -n 10 $(VENV)/bin/mypy || { stop; exit 1; }; \
	nice -n 10 $(PY) -m pytest -m 'not e2e and not scaffold and not redis' $(PYTEST_ARGS) && rest=0 || rest=$$?; \
	wait $$redis && redis_rc=0 || redis_rc=$$?; \
	wait $$scaffold && scaffold_rc=0 || scaffold_rc=$$?; \
	wait $$upgrade && upgrade_rc=0 || upgrade_rc=$$?; \
	wait $$e2e && e2e_rc=0 || e2e_rc=$$?; \
	echo "--- the Redis online store deployed, replanned, changed, replanned, destroyed (ran alongside; $(STATE)/redis.log)"; \
	cat $(STATE)/redis.log; \
	echo "--- the team repo scaffold test (ran alongside; full log in $(STATE)/scaffold.log)"; \
	cat $(STATE)/scaffold.log; \
	echo "--- the upgrade from the saved release (ran alongside; full log in $(STATE)/upgrade.log)"; \
	cat $(STATE)/upgrade.log; \
	echo "--- the end-to-end test (ran alongside; full log in $(STATE)/e2e.log)"; \
	cat $(STATE)/e2e.log; \
	for rc in $$rest $$redis_rc $$scaffold_rc $$upgrade_rc $$e2e_rc; do [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; done; \
	[ $$rest -eq 0 ] || [ $$redis_rc -eq 0 ] || [ $$scaffold_rc -eq 0 ] || [ $$upgrade_rc -eq 0 ] || [ $$e2e_rc -eq 0 ] || \
	  { echo 'make test: PYTEST_ARGS selected no test'; exit 5; }

# One pytest worker per core, each taking a whole file at a time (its module fixtures, such
# as the docs build, run once). UNIT_WORKERS=0 runs the suite in one process.
UNIT_WORKERS ?= auto

unit: setup ## lint, types, and the suite without the end-to-end and scaffold tests
	@$(MAKE) --no-print-directory lint
	$(PY) -m pytest -m 'not e2e and not scaffold and not redis' -n $(UNIT_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff (lint and format) and mypy only
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy

# A fixed hash seed: pdoc shows a frozenset constant's value in its iteration order, which
# changes from process to process otherwise (with the validators' addresses the build drops,
# the only difference between two builds of the same code).
docs: $(VENV)/.installed ## reference pages from the docstrings (pdoc) into build/docs/
	@PYTHONHASHSEED=0 $(PY) scripts/build_docs.py build/docs

synth: $(VENV)/.emulator ## synthesize every environment, or ENV=<name|path>
	@$(SYNTH_PY) -m mlplatform.cli synth $(if $(ENV),--env '$(ENV)')

# `cdktf diff` plans one stack (it takes no pattern, unlike deploy and destroy): synthesize
# once, then plan each of ENV's stacks whose dependencies are deployed (a stack reads their
# state, and its plan fails while one is missing: on a new environment only the network can be
# planned; `stacks --plannable` names the others), side by side, since a plan only reads the
# others' state (each one's output follows, in order, when all are done), and fail at the end
# if any plan failed.
diff: setup ## terraform plan of each of ENV's stacks that can be planned now
	@test -n '$(ENV)' || { echo 'error: name the environment: make diff ENV=dev'; exit 2; }
	@$(PY) -m mlplatform.cli preflight '$(ENV)'
	@$(PLAIN_OUTPUT) env $$plain MLPLATFORM_ENV='$(ENV)' $(CDKTF) synth || exit 1; \
	stacks=$$($(PY) -m mlplatform.cli stacks '$(ENV)' --plannable) || exit 1; failed=; \
	plans=$$(mktemp -d); trap 'rm -rf "$$plans"' EXIT; \
	echo "planning" $$stacks "side by side (each plan only reads the others' state)"; \
	for stack in $$stacks; do \
	  { if env $$plain $(CDKTF) diff "$$stack" --skip-synth --skip-provider-lock $$nocolor \
	    > "$$plans/$$stack.log" 2>&1; then echo 0; else echo 1; fi > "$$plans/$$stack.rc"; } & \
	done; \
	wait; \
	for stack in $$stacks; do \
	  cat "$$plans/$$stack.log"; \
	  [ "$$(cat "$$plans/$$stack.rc")" = 0 ] || failed="$$failed $$stack"; \
	done; \
	if [ -n "$$failed" ]; then echo "error: the plan failed for:$$failed" >&2; exit 1; fi

# cdktf asks on the terminal before it applies a plan; without one (a CI job, a pipe) it
# crashed with a stack trace (Ink: "Raw mode is not supported"). AUTO_APPROVE=1 applies
# without asking, as a pipeline must; without it and without a terminal, both stop first.
# Checked before set-up, as destroy-confirmed is.
APPROVE = $(if $(filter 1,$(AUTO_APPROVE)),--auto-approve)
.PHONY: approval
approval:
	@if [ '$(AUTO_APPROVE)' != 1 ] && [ ! -t 0 ]; then \
	  echo "error: make $(firstword $(MAKECMDGOALS)) asks to approve each plan on a terminal," \
	       "and there is none; run it from one, or add AUTO_APPROVE=1 to apply without asking"; \
	  exit 2; \
	fi

deploy: approval setup ## cdktf deploy ENV's stacks (ENV=local: use make up); AUTO_APPROVE=1 asks nothing
	@test -n '$(ENV)' || { echo 'error: name the environment: make deploy ENV=dev'; exit 2; }
	@$(PY) -m mlplatform.cli preflight '$(ENV)'
	@$(PLAIN_OUTPUT) env $$plain MLPLATFORM_ENV='$(ENV)' $(CDKTF) deploy '$(ENV)-*' --skip-provider-lock $(APPROVE) $$nocolor

destroy: destroy-confirmed approval setup ## cdktf destroy ENV's stacks (any but local needs CONFIRM=<env>)
	@$(PY) -m mlplatform.cli preflight '$(ENV)'
	@$(PLAIN_OUTPUT) env $$plain MLPLATFORM_ENV='$(ENV)' $(CDKTF) destroy '$(ENV)-*' --skip-provider-lock $(APPROVE) $$nocolor

# Checked before anything else runs: destroying a real environment is said twice, on purpose.
.PHONY: destroy-confirmed
destroy-confirmed:
	@test -n '$(ENV)' || { echo 'error: name the environment: make destroy ENV=dev'; exit 2; }
	@if [ '$(ENV)' != 'local' ] && [ '$(CONFIRM)' != '$(ENV)' ]; then \
	  echo "error: make destroy ENV=$(ENV) deletes that environment's resources and data;" \
	       "to confirm on purpose, run: make destroy ENV=$(ENV) CONFIRM=$(ENV)"; \
	  exit 2; \
	fi

verify: verify-named $(VENV)/.emulator ## check with boto3 that ENV is as its file says (local: the running emulator)
	@if [ '$(ENV)' = 'local' ]; then \
	  endpoint=$$($(PY) -m mlplatform.cli emulator endpoint) || exit 2; \
	  $(PY) scripts/verify_environment.py local --endpoint-url "$$endpoint"; \
	else \
	  $(PY) scripts/verify_environment.py '$(ENV)'; \
	fi

# Checked before set-up: without ENV there is nothing to verify.
.PHONY: verify-named
verify-named:
	@test -n '$(ENV)' || { echo 'error: name the environment: make verify ENV=dev'; exit 2; }

clean: down ## remove everything setup and synth made
	rm -rf $(VENV) .tools node_modules cdktf.out $(STATE)
