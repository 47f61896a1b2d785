# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TANGGAP_DATA_DIR ?= $(CURDIR)/instance

.PHONY: run test walkthrough bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# civicbot (an Open311 client the tests drive) needs only the standard library.
	$(BIN)/python -m pip install --quiet --no-deps civicbot==0.4.0
	touch $(STAMP)

$(TANGGAP_DATA_DIR)/.seeded: $(STAMP)
	$(BIN)/tanggap db upgrade
	$(BIN)/tanggap seed-demo
	touch $@

run: $(STAMP) $(TANGGAP_DATA_DIR)/.seeded
	$(BIN)/tanggap db upgrade
	$(BIN)/tanggap serve --host 127.0.0.1 --port 5000

walkthrough: $(STAMP)
	@sh bin/walkthrough.sh $(BIN)/tanggap

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy states sla tanggap

clean:
	rm -rf $(VENV) build *.egg-info
