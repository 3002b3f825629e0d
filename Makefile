# One-command set-up: `make run` and `make test` install into .venv when needed.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: install run test test-fast soak check bench lint clean

install: $(STAMP)

# torch goes first, on its own, so pip takes the local CPU wheel instead of a CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test,sweep]'
	touch $(STAMP)

run: install
	$(BIN)/ganviz gui --preset figure1

test: install
	$(BIN)/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

# The inner loop: every test but those marked slow (pyproject.toml); `make test` stays the whole suite (CI).
test-fast: install
	$(BIN)/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m 'not slow and not soak_long and not presets_full'

soak: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m soak_long

check: install
	$(BIN)/ganviz presets --check --seeds 0:5

bench: install
	$(BIN)/ganviz bench

clean:
	rm -rf $(VENV) build *.egg-info
