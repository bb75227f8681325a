# Aktsom: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TRANSLATIONS := portal/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test install install-dev translations extract lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy --statistics -d $(TRANSLATIONS) -D messages -l $(word 3,$(subst /, ,$<)) -i $< -o $@ 2>&1 | tail -1

translations: $(MO_FILES)

run: install
	@mkdir -p instance
	@$(BIN)/aktsom init --recovery-sheet instance/RECOVERY-SHEET.txt
	@echo ""
	@echo "Next steps:"
	@echo "  * Sign-in: while no administrator exists, the server prints a one-time link below"
	@echo "    (valid one hour) to create the first one in the browser. Or from a terminal:"
	@echo "      printf '%s' 'a long passphrase' | $(BIN)/aktsom users create --email you@example.org --name 'Your Name' --role admin --role handler --unit HQ --password-stdin"
	@echo "    and add the printed otpauth:// URI to an authenticator app."
	@echo "  * Companies: $(BIN)/aktsom units create --code HQ --name 'Head office' [--group]"
	@echo "  * Reporter portal: http://$(HOST):$(PORT)/   Staff side: http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(BIN)/aktsom serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python benchmarks/crypto_bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/case_list_bench.py $(CASE_BENCH_ARGS)
	$(BIN)/python benchmarks/suppliers_bench.py $(SUPPLIER_BENCH_ARGS)

# Issue 15 §7-§8: 50 reporters and 10 handlers for 60 s against `aktsom serve` on loopback,
# then every case read back by its code and by a handler. Two app servers sharing PostgreSQL
# and Redis: LOAD_ARGS="--servers 2 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --redis-url redis://127.0.0.1:6379/15"
load: install-dev
	$(BIN)/python -m loadtest.run $(LOAD_ARGS)

# Refresh the catalogues after changing user-facing text.
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _N -k N_ -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find . -name '*.mo' -delete
