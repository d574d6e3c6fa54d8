# Tiexin: `make run` sets everything up and analyses the demo calls; `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint system-packages model assets clean

install: system-packages $(STAMP) model assets

system-packages:
	@sh scripts/install-system-packages.sh

# Torch's CPU wheel is installed first and pinned, so nothing pulls a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,ray]'
	$(PY) -m pip install --quiet --no-deps resemblyzer==0.1.4
	touch $(STAMP)

model: $(STAMP)
	$(VENV)/bin/tiexin model prepare

# Browser libraries come from npm at pinned versions (web-assets/package-lock.json) and are
# served from the app's own static folder, so the web app needs no network at run time.
VENDOR := src/tiexin/web/static/vendor
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: web-assets/package-lock.json
	cd web-assets && npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp web-assets/node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp web-assets/node_modules/wavesurfer.js/dist/wavesurfer.min.js $(VENDOR)/
	cp web-assets/node_modules/wavesurfer.js/dist/plugins/regions.min.js $(VENDOR)/wavesurfer.regions.min.js
	touch $@

run: install
	$(VENV)/bin/tiexin demo
	$(VENV)/bin/tiexin serve

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: install lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache web-assets/node_modules $(VENDOR)
