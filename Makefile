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

.PHONY: install demo test index clean spec

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# The CPU index is tried without retries: where it is unreachable, pip falls back to the
	# package registry and any local wheels (this is how the CPU wheel is found offline).
	$(PIP) install --quiet --retries 0 --timeout 15 --extra-index-url $(TORCH_INDEX) "$(TORCH)"
	$(PIP) install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

index: install
	$(PY) -m bot index build

demo: install
	$(PY) -m bot index build
	$(PY) -m bot ask "$(QUESTION)"

# The Discord tests validate what the bot sends against Discord's OpenAPI spec (npm discord-api-spec)
# where node is installed; without node that one check is skipped.
$(SPEC): tests/spec/package.json tests/spec/package-lock.json
	npm ci --prefix tests/spec --no-audit --no-fund --loglevel=error

spec:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(SPEC); \
	else echo "node not found: the Discord API spec check will be skipped"; fi

test: install spec
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) index/gen-* index/.tmp-* index/CURRENT index/.lock tests/spec/node_modules
