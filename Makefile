# The two commands of the README. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: report test system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## make report: the main job on the bundled sample; reports land in out/
report: $(STAMP)
	$(BIN)/clpkit report data/samples/bundle --out out/

## make test: system packages the tests need, then the whole suite
test: $(STAMP) system-deps
	$(BIN)/python -m pytest

system-deps:
	bash scripts/install-system-deps.sh

clean:
	rm -rf $(VENV) out
