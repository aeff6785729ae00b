# The README's two commands: `make demo` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo bench chaos clean browser

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools' "Editable installation" notice (a flat layout gets its meta-path finder) is information
	@# only, yet pip shows it even with --quiet: filtered by its message, for this one command
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

test: $(STAMP) browser node-sdk
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests (tests/browser) drive Debian's chromium through chromedriver. Installed here when
# missing and run as root (CI); otherwise those tests skip and say why. Quick when already present.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium + chromium-driver for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
			>/dev/null) || echo "note: could not install chromium: the browser tests will skip"; \
	else echo "note: no chromium/chromedriver and not root: the browser tests skip" \
		"(sudo apt-get install chromium chromium-driver)"; fi

# The unmodified Node `gigya` SDK (tests/mock_service/test_node_sdk.py) from the npm registry, into a
# project-local folder; skipped with a note where node/npm are missing or the registry cannot be reached.
NODE_SDK := .node-sdk
node-sdk:
	@if [ -f $(NODE_SDK)/node_modules/gigya/package.json ]; then :; \
	elif command -v npm >/dev/null && command -v node >/dev/null; then \
		mkdir -p $(NODE_SDK) && (cd $(NODE_SDK) && npm install --no-audit --no-fund --silent gigya@3.0.1 >/dev/null 2>&1) \
		|| echo "note: could not install the npm gigya package: the Node SDK test will skip"; \
	else echo "note: no node/npm: the Node SDK test skips"; fi

demo: $(STAMP)
	$(BIN)/python -m gigya_migrate.demo

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The full-size chaos import (README "Reliability"): 20,000 accounts, 5 importer SIGKILLs, 2 mock restarts.
chaos: $(STAMP)
	CHAOS_ACCOUNTS=20000 CHAOS_IMPORTER_KILLS=5 CHAOS_MOCK_RESTARTS=2 CHAOS_FIGURES=chaos-figures.json \
		$(BIN)/python -m pytest tests/reliability/test_chaos.py -q -s -p no:cacheprovider -o timeout=7200

clean:
	rm -rf $(VENV) $(NODE_SDK) build *.egg-info .pytest_cache demo-output
