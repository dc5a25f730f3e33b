# `make demo` and `make test` bring a fresh Debian/Ubuntu machine to a working state, then run.
# System packages come from apt (tools/ensure_system.sh); Python packages go into .venv at the
# exact versions in requirements.txt (torch first, so pip takes the CPU wheel and no CUDA).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMPS := .stamps

.PHONY: demo test bench clean distclean system env

demo: env
	$(PY) -m engine example-midi out/demo.mid
	$(PY) -m engine render-midi out/demo.mid -o out/demo.wav

test: env
	$(PY) -m pytest -q -p no:cacheprovider

bench: env
	$(PY) bench/render_speed.py

env: system $(STAMPS)/venv

system:
	@bash tools/ensure_system.sh

$(STAMPS)/venv: requirements.txt pyproject.toml | system
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "moodscore needs Python >= 3.10")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install --no-deps -r requirements.txt
	$(PIP) install --no-deps --no-build-isolation -e '.[train,demo,dev]'
	$(PIP) check
	@mkdir -p $(STAMPS) && touch $@

clean:
	rm -rf out build *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(STAMPS)
