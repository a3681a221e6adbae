# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install, build the index from corpus/, answer a sample question offline
#   make test   create .venv if needed, run the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# torch: pin a release and prefer its CPU build. A plain 'torch' pulls a CUDA build of several GB.
TORCH ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
QUESTION ?= in what ways does intimacy aid growth?

SPEC := tests/spec/node_modules/.package-lock.json

.PHONY: install demo test index clean spec format

# Each step says what it does and pip shows its own progress: a first install takes minutes.
# The CPU index is tried without retries: where it is unreachable, pip falls back to the
# package registry and any local wheels (this is how the CPU wheel is found offline).
$(VENV)/.installed: pyproject.toml
	@echo "==> Creating the environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> Updating pip (older ones leave out some dependencies' extras)"
	$(PIP) install --upgrade pip
	@echo "==> Installing $(TORCH), CPU build (the largest download)"
	$(PIP) install --retries 0 --timeout 15 --extra-index-url $(TORCH_INDEX) "$(TORCH)"
	@echo "==> Installing the bot and its dependencies"
	$(PIP) install -e ".[test]"
	@echo "==> Checking that every module the bot imports loads"
	$(PY) -m bot.installcheck
	touch $@

install: $(VENV)/.installed

index: install
	@echo "==> Building the index from the corpus"
	$(PY) -m bot index build

demo: install
	@echo "==> Building the index from the corpus (the first build embeds every passage)"
	$(PY) -m bot index build
	@echo "==> Answering a question, offline"
	$(PY) -m bot ask "$(QUESTION)"

# The Discord tests validate what the bot sends against Discord's OpenAPI spec (npm discord-api-spec)
# where node is installed; without node that one check is skipped.
$(SPEC): tests/spec/package.json tests/spec/package-lock.json
	npm ci --prefix tests/spec --no-audit --no-fund --loglevel=error

spec:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(SPEC); \
	else echo "node not found: the Discord API spec check will be skipped"; fi

test: install spec
	@echo "==> Lint and format (ruff; 'make format' fixes the format)"
	$(PY) -m ruff check bot tests
	$(PY) -m ruff format --check bot tests
	@echo "==> Types (pyright)"
	$(PY) -m pyright
	@echo "==> Tests"
	$(PY) -m pytest -q

format: install
	$(PY) -m ruff format bot tests
	$(PY) -m ruff check --fix bot tests

clean:
	rm -rf $(VENV) index/gen-* index/.tmp-* index/CURRENT index/.lock tests/spec/node_modules
