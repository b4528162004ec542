# Two commands matter: `make report` and `make test`. Both build .venv from the
# pinned files first when it is missing or older than them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= medium

.PHONY: venv report test lint format lab up down status lock clean openapi

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	@rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@# nbconvert's config for the report (no CDN scripts); an editable install skips data-files
	@mkdir -p $(VENV)/etc/jupyter && cp workbench/report/jupyter_nbconvert_config.json $(VENV)/etc/jupyter/
	@touch $(STAMP)

venv: $(STAMP)

report: $(STAMP)
	$(BIN)/workbench report --scale $(SCALE)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The API's OpenAPI schema, committed; tests/api/test_openapi.py fails when it is stale.
openapi: $(STAMP)
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

lab: $(STAMP)
	$(BIN)/workbench lab

up down status: $(STAMP)
	$(BIN)/workbench $@

lock:
	rm -rf /tmp/wb-lock && $(PYTHON) -m venv /tmp/wb-lock
	/tmp/wb-lock/bin/pip install --quiet -e '.[dev]'
	{ head -2 constraints.txt; /tmp/wb-lock/bin/pip freeze --exclude-editable | grep -v django-db-workbench; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	-$(BIN)/workbench down
	rm -rf $(VENV) .workbench
