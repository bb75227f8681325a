# Aktsom: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TRANSLATIONS := portal/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

# Hash-pinned lock files (issue 17 §1): every install goes through them; `make lock` refreshes
# them after a change to the dependencies in pyproject.toml, whose lower bounds stay for those
# who install the package elsewhere.
REQUIREMENTS := requirements
RUN_LOCK := $(REQUIREMENTS)/run.txt
DEV_LOCK := $(REQUIREMENTS)/dev.txt
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet
AUDIT_EXCEPTIONS := $(REQUIREMENTS)/audit-exceptions.toml

.PHONY: run test install install-dev translations extract lint bench clean lock audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exactly the locked versions, each checked against its hash; then the project itself without
# resolving anything again.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(RUN_LOCK)
	$(BIN)/pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed $(DEV_LOCK)
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
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
	@echo "The channel CANNOT RECEIVE REPORTS until all four of these exist:"
	@echo "  1. the recovery key: made by 'aktsom init' on the first run; its sheet is in"
	@echo "     instance/RECOVERY-SHEET.txt: print it, keep it offline, delete the file."
	@echo "  2. a company (org unit), e.g. the group level:"
	@echo "       $(BIN)/aktsom units create --code HQ --name 'Head office' --group"
	@echo "  3. an administrator and 4. a certified case handler of that company (a key made"
	@echo "     at the console is certified at once; one made on the web waits for a second"
	@echo "     administrator's approval on /admin/approvals):"
	@echo "       printf '%s' 'a long passphrase' | $(BIN)/aktsom users create --email you@example.org --name 'Your Name' --role admin --role handler --unit HQ --password-stdin"
	@echo "     and add the printed otpauth:// URI to an authenticator app. Or open the one-time"
	@echo "     link the server prints below (while no administrator exists) and add the"
	@echo "     handler on http://$(HOST):$(PORT)/admin/users."
	@echo "  What is still missing: $(BIN)/aktsom doctor (docs/deployment.md for a server)."
	@echo "  Reporter portal: http://$(HOST):$(PORT)/   Staff side: http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(BIN)/aktsom serve --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist; each worker has its own database and browser).
# PYTEST_WORKERS=0 runs it in this process, e.g. to use a debugger.
PYTEST_WORKERS ?= auto
test: install-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# One command after adding or changing a dependency in pyproject.toml (tests/deploy/test_locks.py
# fails while a dependency is missing from a lock). UPGRADE=1 also moves every pin to the newest
# release the bounds allow.
lock: $(VENV)/.installed-dev
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) -o $(RUN_LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) -o $(DEV_LOCK)

# Known vulnerabilities in the locked versions (needs the OSV or PyPI advisory service); a
# finding fails unless $(AUDIT_EXCEPTIONS) records it with a reason and an unexpired date.
audit: $(VENV)/.installed-dev
	$(BIN)/python -m admin.dependency_audit --exceptions $(AUDIT_EXCEPTIONS) $(RUN_LOCK) $(DEV_LOCK)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)
	$(BIN)/python benchmarks/photo_cleaning_bench.py $(PHOTO_BENCH_ARGS)

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
