# jupyter_workflows: set-up, tests and checks. `make help` lists the targets.
# Every target installs what it needs and is idempotent: a second run reinstalls nothing and prints little.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
KERNELS_DIR ?= .kernels
ARTIFACTS_DIR ?= test-artifacts
PYTEST_ARGS ?=

VENV_PYTHON := $(VENV)/bin/python
INSTALL_STAMP := $(VENV)/.installed-stamp
# The main venv's own kernel (`python3`) runs the newest ipykernel 7.
MAIN_IPYKERNEL := ipykernel>=7,<8

# This machine kind's global pip config names local indexes that do not exist, and pip warns once per package
# ("WARNING: Location 'file:///opt/...' is ignored"): drop only those lines.
PIP_FILTER := 2>&1 | { grep -v "^WARNING: Location 'file:" || true; }

# Extra kernels for the re-entrancy tests, each its own venv under $(KERNELS_DIR)/<name>:
# KERNEL_<name> = <python version> <ipykernel requirement> (the newest release the requirement allows is installed).
KERNEL_NAMES := py310-ipykernel6 py312-ipykernel7 py313-ipykernel7
KERNEL_py310-ipykernel6 := 3.10 ipykernel>=6.31,<7
KERNEL_py312-ipykernel7 := 3.12 ipykernel>=7,<8
KERNEL_py313-ipykernel7 := 3.13 ipykernel>=7,<8
KERNEL_STAMPS := $(KERNEL_NAMES:%=$(KERNELS_DIR)/%/.installed-stamp)
KERNEL_SPECS := $(KERNEL_NAMES:%=$(VENV)/share/jupyter/kernels/jw-%/kernel.json)

# pip writes jupyter_workflows.egg-info into the source tree, so two installs of the project (the venv and a kernel
# venv) must not run at once: `make -j` is ignored here.
.NOTPARALLEL:

.PHONY: help venv install labextension system-deps services fresh-debian kernels test stress demo docs bench compat lint format clean distclean

help: ## Show this help
	@echo "jupyter_workflows: make <target>   (PYTEST_ARGS='-k foo -x' passes options to pytest)"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(VENV_PYTHON) ## Create the project venv .venv (python3; PYTHON=... to choose)

$(VENV_PYTHON):
	@echo "venv: creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV)

install: $(INSTALL_STAMP) ## pip install -e '.[dev]' into the venv (again only when setup.cfg or pyproject.toml change)

$(INSTALL_STAMP): setup.cfg pyproject.toml | $(VENV_PYTHON)
	@echo "install: pip install -e '.[dev]' '$(MAIN_IPYKERNEL)' into $(VENV)"
	@began=$$SECONDS; \
	$(VENV_PYTHON) -m pip install --quiet --upgrade --editable '.[dev]' '$(MAIN_IPYKERNEL)' $(PIP_FILTER); \
	echo "install: $(VENV) ready in $$((SECONDS - began)) s"
	@touch $@

# The Workflows panel's front end: TypeScript in labextension/, built by @jupyter/builder into the prebuilt extension
# jupyter_workflows/labextension/ (git-ignored; shipped by setup.cfg's data_files). Rebuilt only when its sources
# change; node_modules only when package.json or package-lock.json change.
LABEXT_DIR := labextension
LABEXT_BUILT := jupyter_workflows/labextension/package.json
LABEXT_SOURCES := $(wildcard $(LABEXT_DIR)/src/*.ts $(LABEXT_DIR)/style/*) $(LABEXT_DIR)/package.json $(LABEXT_DIR)/tsconfig.json
NODE_MODULES := $(LABEXT_DIR)/node_modules/.package-lock.json

# The version is written once, in jupyter_workflows/_version.py; package.json and its lock carry its npm form
# (JupyterLab lists the extension with it). This rewrites them when it differs, before anything reads them;
# tests/packaging/test_version.py fails when a commit has them differ.
$(LABEXT_DIR)/package.json: jupyter_workflows/_version.py scripts/sync-labextension-version.py | $(INSTALL_STAMP)
	@$(VENV_PYTHON) scripts/sync-labextension-version.py

$(NODE_MODULES): $(LABEXT_DIR)/package.json $(LABEXT_DIR)/package-lock.json
	@echo "labextension: npm ci in $(LABEXT_DIR)"
	@cd $(LABEXT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

labextension: $(LABEXT_BUILT) ## Build the Workflows panel (labextension/) into jupyter_workflows/labextension, if its sources changed

$(LABEXT_BUILT): $(LABEXT_SOURCES) $(NODE_MODULES) | $(INSTALL_STAMP)
	@echo "labextension: building $(LABEXT_DIR) (tsc, jupyter-builder)"
	@cd $(LABEXT_DIR) && PATH="$(abspath $(VENV))/bin:$$PATH" npm run --silent build > /dev/null
	@# The editable install in the venv serves this build (as `jupyter labextension develop` would), with the server
	@# extension enabled as a `pip install .` enables it.
	@mkdir -p $(VENV)/share/jupyter/labextensions $(VENV)/etc/jupyter/jupyter_server_config.d
	@ln -sfn $(abspath jupyter_workflows/labextension) $(VENV)/share/jupyter/labextensions/jupyter-workflows
	@cp jupyter-config/jupyter_server_config.d/jupyter_workflows.json $(VENV)/etc/jupyter/jupyter_server_config.d/
	@touch $@

system-deps: ## apt-get install graphviz, chromium, PostgreSQL and RabbitMQ, each only if missing
	@scripts/ensure-system-deps.sh

services: ## Start PostgreSQL (5432) and RabbitMQ (5672) if their ports are closed, and wait for them
	@scripts/ensure-services.sh

# The two targets above on a fresh Debian without an init system: a minimal Debian of this machine's release
# (debootstrap, kept in build/fresh-debian), in namespaces of its own (see the script). Needs root.
fresh-debian: ## As root: check that system-deps and services install and start everything on a fresh Debian
	@scripts/check-fresh-debian.sh build/fresh-debian

kernels: $(KERNEL_SPECS) ## Create the extra kernel venvs in .kernels/, register them as jw-* kernels (no such Python: skipped)

$(KERNEL_STAMPS): $(KERNELS_DIR)/%/.installed-stamp: setup.cfg pyproject.toml scripts/make-kernel-venv.sh
	@scripts/make-kernel-venv.sh $(KERNELS_DIR)/$* $(word 1,$(KERNEL_$*)) '$(word 2,$(KERNEL_$*))'

# A kernel whose Python is not installed is skipped with a notice (an error with CI=true): no stamp, nothing to register.
$(KERNEL_SPECS): $(VENV)/share/jupyter/kernels/jw-%/kernel.json: $(KERNELS_DIR)/%/.installed-stamp \
		scripts/register-kernel.py | $(INSTALL_STAMP)
	@if [ -f $(KERNELS_DIR)/$*/.installed-stamp ]; then \
		$(KERNELS_DIR)/$*/bin/python scripts/register-kernel.py --name jw-$* --prefix $(VENV); fi

# Most tests wait on kernels, brokers, databases and subprocesses rather than compute, so the suite runs in
# TEST_WORKERS pytest-xdist workers (4 on this 2-core machine: 9 min idle, 17 min loaded; TEST_WORKERS=0 runs it in
# this process alone), a whole test file per worker so that a file's kernels, servers and venvs are made once, the
# heaviest files first (tests/conftest.py). Every test has its own store, database, broker queues and ports.
TEST_WORKERS ?= 4

test: install labextension system-deps services kernels ## Set everything up, then run the test suite
	@mkdir -p $(ARTIFACTS_DIR)
	JW_TEST_ARTIFACTS=$(abspath $(ARTIFACTS_DIR)) $(VENV_PYTHON) -m pytest \
		$(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

CRASH_TRIALS ?= 40

stress: install system-deps services kernels ## Many more crash trials (CRASH_TRIALS random kills, every crash point) and the concurrency stress
	@mkdir -p $(ARTIFACTS_DIR)
	JW_CRASH_TRIALS=$(CRASH_TRIALS) JW_TEST_ARTIFACTS=$(abspath $(ARTIFACTS_DIR)) $(VENV_PYTHON) -m pytest tests/crash tests/stress $(PYTEST_ARGS)

demo: install ## Run the demo (scripts/demo.py)
	@scripts/ensure-system-deps.sh graphviz
	$(VENV_PYTHON) scripts/demo.py

# The docs: Sphinx (autodoc for the API reference, myst-nb executes the tutorials), warnings as errors. See
# docs/about-these-docs.md. The docs extra is installed next to the dev one, again only when setup.cfg changes.
# -E: read everything again, so the reference and the executed tutorials show the code as it is now.
DOCS_STAMP := $(VENV)/.docs-installed-stamp
DOCS_OUT := docs/_build/html

$(DOCS_STAMP): setup.cfg pyproject.toml | $(INSTALL_STAMP)
	@echo "docs: pip install -e '.[dev,docs]' into $(VENV)"
	@$(VENV_PYTHON) -m pip install --quiet --editable '.[dev,docs]' '$(MAIN_IPYKERNEL)' $(PIP_FILTER)
	@touch $@

docs: $(DOCS_STAMP) ## Build the docs (API reference, tutorials executed) into docs/_build/html; warnings fail
	@scripts/ensure-system-deps.sh graphviz
	$(VENV)/bin/sphinx-build -E -W --keep-going -q -b html docs $(DOCS_OUT)
	@echo "docs: open $(DOCS_OUT)/index.html"

# The peer `make bench` measures in the same run: aiida-core in its own venv, with a profile without a broker, all
# under build/peer (AIIDA_PATH points there: nothing goes to ~/.aiida). PEER_PYTHON creates that venv.
PEER_PYTHON ?= python3
PEER_DIR := build/peer
PEER_VENV := $(PEER_DIR)/aiida-venv
PEER_AIIDA_PATH := $(PEER_DIR)/aiida-home
PEER_AIIDA_VERSION := 2.9.4
# The daemon peer: aiida-core's daemon on a core.psql_dos profile (a database made by psql) with the machine's RabbitMQ,
# under an AIIDA_PATH of its own.
PEER_DAEMON_AIIDA_PATH := $(PEER_DIR)/aiida-daemon-home
PEER_DAEMON_DATABASE ?= aiida_bench_daemon
BENCH_ARGS ?=

bench: install system-deps services ## Run the benchmarks next to aiida-core (fails if any case fails; BENCH_ARGS=...)
	@PEER_PYTHON=$(PEER_PYTHON) scripts/ensure-aiida-peer.sh $(PEER_VENV) $(PEER_AIIDA_PATH) $(PEER_AIIDA_VERSION) bench
	@scripts/ensure-aiida-daemon-peer.sh $(PEER_VENV) $(PEER_DAEMON_AIIDA_PATH) $(PEER_DAEMON_DATABASE) bench_daemon
	$(VENV_PYTHON) benchmarks/run_all.py --peer-python $(PEER_VENV)/bin/python \
		--aiida-path $(PEER_AIIDA_PATH) --aiida-profile bench \
		--aiida-daemon-path $(PEER_DAEMON_AIIDA_PATH) --aiida-daemon-profile bench_daemon $(BENCH_ARGS)

# `make compat` runs aiida-core's engine tests against this checkout (benchmarks/aiida_compat/README.md). The tests
# come from a clone of aiida-core at AIIDA_CORE_REF (kept under build/compat), or from the git repository
# AIIDA_CORE_GIT at that ref when it is set (a mirror without network: AIIDA_CORE_GIT=path AIIDA_CORE_REF=<commit>).
AIIDA_CORE_REF ?= v2.9.4
AIIDA_CORE_GIT ?=
COMPAT_ARGS ?=

compat: install ## aiida-core's engine tests against jupyter_workflows: passed/applicable, ranked failure causes
	$(VENV_PYTHON) benchmarks/aiida_compat/run.py --aiida-ref $(AIIDA_CORE_REF) \
		$(if $(AIIDA_CORE_GIT),--aiida-git $(AIIDA_CORE_GIT)) $(COMPAT_ARGS)

lint: install $(NODE_MODULES) ## ruff, mypy, and ESLint + Prettier on the labextension (runs all, fails if any fails)
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	$(VENV)/bin/mypy jupyter_workflows || status=1; \
	(cd $(LABEXT_DIR) && npm run --silent lint) || status=1; \
	exit $$status

format: install $(NODE_MODULES) ## Apply ruff's fixes and formatting (and Prettier + ESLint --fix on the labextension)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	cd $(LABEXT_DIR) && npm run --silent format

clean: ## Remove build output, caches and test artefacts (keeps the venvs)
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache $(ARTIFACTS_DIR) docs/_build docs/tutorials
	rm -rf $(LABEXT_DIR)/lib $(LABEXT_DIR)/tsconfig.tsbuildinfo jupyter_workflows/labextension
	find . -path ./$(VENV) -prune -o -path ./$(KERNELS_DIR) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove the venvs (.venv, .kernels) too
	rm -rf $(VENV) $(KERNELS_DIR) $(LABEXT_DIR)/node_modules
