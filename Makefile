# The two commands of the README: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format messages check-messages worker beat serve bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "DorfFunk needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "DorfFunk runs at http://$(HOST):$(PORT)/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext (Debian: gettext).
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --locale en --no-location --no-obsolete --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --locale en --ignore '.venv/*'

# Fails when a translatable string in the code is missing from locale/.
check-messages: messages
	git diff --exit-code -I 'POT-Creation-Date' -- locale/ ':(exclude)*.mo'

# Production-style processes (set DATABASE_URL and REDIS_URL first).
serve: $(VENV)/.installed
	$(BIN)/uvicorn dorffunk.asgi:application --host $(HOST) --port $(PORT) --workers 2

worker: $(VENV)/.installed
	$(BIN)/celery -A dorffunk worker --loglevel INFO

beat: $(VENV)/.installed
	$(BIN)/celery -A dorffunk beat --loglevel INFO

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/readable_municipalities.py
	$(BIN)/python benchmarks/feed_api.py
	$(BIN)/python benchmarks/realtime_chat.py
	$(BIN)/python benchmarks/push_fanout.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
