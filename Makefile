# `make demo` and `make test` bring a fresh Debian/Ubuntu machine to a working state, then run.
# System packages come from apt (tools/ensure_system.sh); Python packages go into .venv at the
# exact versions in requirements.txt (torch first, so pip takes the CPU wheel and no CUDA).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMPS := .stamps

.PHONY: demo test bench clean distclean system env

# With a display: the game in a window, scored live. Without one: 30 s of autoplay, headless,
# written to out/demo.wav (the music) and out/demo.png (the last frame).
demo: env
	@mkdir -p out
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(PY) -m engine demo; \
	else \
		echo "no display: 30 s of headless autoplay"; \
		$(PY) -m engine demo --autoplay --seconds 30 --record out/demo.wav --screenshot out/demo.png; \
	fi

test: env
	$(PY) -m pytest -q -p no:cacheprovider

bench: env
	for b in render_speed composer realtime offline listen; do $(PY) bench/$$b.py || exit 1; done

env: system $(STAMPS)/venv

system:
	@bash tools/ensure_system.sh

$(STAMPS)/venv: requirements.txt pyproject.toml | system
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "moodscore needs Python >= 3.10")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install --no-deps -r requirements.txt
	$(PIP) install --no-deps --no-build-isolation -e '.[train,demo,audio,pyglet,dev]'
	$(PIP) check
	@mkdir -p $(STAMPS) && touch $@

clean:
	rm -rf out build *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(STAMPS)
