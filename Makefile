# One place for every setup, run and test step (README.md starts with two of them).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
PY          := $(VENV)/bin/python
PIP         := $(PY) -m pip
RASA        := $(VENV)/bin/rasa
# Rasa 3.6 needs Python 3.10: pyenv's on this machine kind, or a python3.10 on PATH.
PYTHON310   ?= $(shell PYENV_VERSION=3.10 pyenv which python 2>/dev/null || command -v python3.10)

# Embedded defaults (override in the environment for production; docs/operations.md).
export DATABASE_URL          ?= sqlite:///$(CURDIR)/var/intake.db
export ACTION_ENDPOINT_URL   ?= http://127.0.0.1:5055/webhook
export TRACKER_DIALECT       ?= sqlite
export TRACKER_DB_HOST       ?=
export TRACKER_DB            ?= $(CURDIR)/var/tracker.db
export TRACKER_DB_USER       ?=
export TRACKER_DB_PASSWORD   ?=
export STAFF_CONSOLE_URL     ?= http://localhost:8000
export APPOINTMENT_WEBHOOK_URL    ?=
export APPOINTMENT_WEBHOOK_SECRET ?=
export SANIC_HOST            ?= 127.0.0.1
export LOG_LEVEL             ?= INFO
export TF_CPP_MIN_LOG_LEVEL  ?= 2
# No telemetry: the machine has no network beyond package registries, and patient data stays here.
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONPATH            := $(CURDIR)

.PHONY: help setup venv deps db nlp-model model web-deps browser run bench eval-nlu cross-validate test test-unit test-conversations validate lint clean lock

help:
	@echo "make run    - set everything up and start: chat page :8080, REST/SMS webhook :5005, actions :5055, staff console :8000, delivery worker"
	@echo "make test   - set everything up and run every test layer"
	@echo "make setup  - only install and train"

setup: deps db nlp-model model web-deps

venv: $(VENV)/.created
$(VENV)/.created:
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found (pyenv install 3.10 or put python3.10 on PATH)"; exit 1; }
	$(PYTHON310) -m venv $(VENV)
	touch $@

# Everything is pinned in constraints.txt (pip freeze of a working set): `pip check` must pass.
deps: $(VENV)/.deps
$(VENV)/.deps: $(VENV)/.created requirements.txt requirements-dev.txt constraints.txt
	$(PIP) install -q "pip==24.0" "setuptools==70.3.0" "wheel==0.45.1"
	$(PIP) install -q -r requirements-dev.txt -c constraints.txt
	$(PIP) check
	touch $@

db: deps
	@mkdir -p var
	$(PY) -m bot.store upgrade

# The clinical spaCy pipeline (blank English + rules from data/nlp + medspaCy ConText),
# saved with its meta.json; rebuilt only when its sources change.
NLP_MODEL := models/clinical_nlp/meta.json
nlp-model: $(NLP_MODEL)
$(NLP_MODEL): $(VENV)/.deps $(wildcard data/nlp/*.yml) $(wildcard bot/nlp/*.py)
	rm -rf models/clinical_nlp
	$(PY) -m bot.nlp build models/clinical_nlp

# Retrain only when the training data, domain or config changed: the model is named
# after a hash of its inputs, so an unchanged set finds its model and skips training.
MODEL_INPUTS := config.yml $(shell find domain data/nlu data/rules data/stories -name '*.yml' 2>/dev/null | sort)
MODEL_HASH    = $(shell cat $(MODEL_INPUTS) | sha256sum | cut -c1-16)
MODEL_FILE    = models/intake-$(MODEL_HASH).tar.gz

# Trained deterministically (TensorFlow's deterministic ops, one thread): the same data gives
# the same model on every run, so CI measures what was measured here. With two threads the
# held-out intent macro-F1 of one data set went from 0.937 to 0.960 between trainings.
TRAIN_ENV := TF_DETERMINISTIC_OPS=1 TF_INTER_OP_PARALLELISM_THREADS=1 TF_INTRA_OP_PARALLELISM_THREADS=1

model: deps nlp-model
	@if [ -f "$(MODEL_FILE)" ]; then echo "model is current: $(MODEL_FILE)"; else \
	  $(TRAIN_ENV) $(RASA) train --quiet --num-threads 1 --domain domain --fixed-model-name intake-$(MODEL_HASH) --out models; fi

validate: deps
	$(PY) scripts/validate_data.py

run: setup
	@echo "Starting: rasa REST on http://127.0.0.1:5005, actions on :5055. Ctrl-C stops all."
	MODEL_FILE=$(MODEL_FILE) $(VENV)/bin/honcho start -f Procfile

# Every layer in one pytest run: unit (bot/), actions on the real domain, whole
# conversations over REST, the held-out NLU evaluation, and end to end (real servers,
# Debian's headless Chromium, PostgreSQL and Redis on this machine).
test: setup browser validate
	MODEL_FILE=$(MODEL_FILE) $(PY) -m pytest -q -p no:cacheprovider --timeout 900 tests

test-unit: deps
	$(PY) -m pytest -q tests/unit tests/actions

# The web chat widget (rasa-webchat 1.0.1) and axe-core, from the committed lock file.
web-deps: bot/web/node_modules/.package-lock.json
bot/web/node_modules/.package-lock.json: bot/web/package.json bot/web/package-lock.json
	npm ci --prefix bot/web --no-audit --no-fund

# Debian's Chromium for the browser tests (Playwright's own download is not available here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Held-out NLU evaluation (tests/nlu_eval/heldout.yml): report into docs/benchmarks.md,
# non-zero exit under the targets. Rasa's 5-fold cross-validation is slow (tens of minutes
# on 2 cores), so it is its own target, outside CI.
eval-nlu: setup
	MODEL_FILE=$(MODEL_FILE) $(PY) scripts/eval_nlu.py --all
	MODEL_FILE=$(MODEL_FILE) $(PY) scripts/eval_nlu.py

cross-validate: deps
	$(PY) scripts/cross_validate.py

# Speed and memory, written to docs/benchmarks.md (not a test: numbers, not pass/fail).
bench: setup
	MODEL_FILE=$(MODEL_FILE) $(PY) scripts/bench.py

lock:
	$(PIP) freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) models/*.tar.gz var .pytest_cache
