# agentassist: `make run` sets up and serves; `make test` sets up and runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_RUN := libportaudio2
APT_TEST := sip-tester baresip kamailio kamailio-tls-modules openssl sox \
	asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav \
	asterisk-core-sounds-en asterisk-core-sounds-ru chromium postgresql nginx
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install install-test run test lint clean

install: $(STAMP)
	@$(BIN)/agentassist models install tiny.en

$(STAMP): pyproject.toml
	@bash tools/apt-ensure.sh $(APT_RUN)
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: install
	$(BIN)/agentassist serve $(if $(CONFIG),--config $(CONFIG))

install-test: install
	@bash tools/apt-ensure.sh $(APT_TEST)
	@$(BIN)/agentassist models install base
	@$(BIN)/python -m playwright --version >/dev/null 2>&1 || true

test: install-test
	$(BIN)/python -m pytest -q -ra $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check agentassist tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
