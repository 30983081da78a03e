# `make app`: install and start the app.  `make test`: install and run every test.
# `make serve`: the class server (HAProxy -> one app process per core -> Dask workers), in the foreground.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
ADDRESS ?= 127.0.0.1
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: app serve test install install-test browser proxy database bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The CPU build of torch first: a bare `torch` requirement would pull a multi-GB CUDA build.
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0" || $(PY) -m pip install -q "torch>=2.3"
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Browser tests drive the system Chromium (Playwright's own download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	  || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

# The reverse proxy of `make serve`: Debian's HAProxy (active health checks, sticky cookies).
proxy:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] \
	  || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq haproxy)

# The class-state tests start Debian's PostgreSQL server (initdb and pg_ctl, as a non-root user) on a free port.
database:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
	  || ($(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)

app: install
	$(VENV)/bin/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

# make serve [APPS=n] [PORT=8501] [ADDRESS=0.0.0.0] [DASK=tcp://host:8786 | DASK=none] [DASK_WORKERS=n]
serve: install proxy
	@$(PY) -c "import distributed" 2>/dev/null || $(PY) -m pip install -q -e ".[serve]"
	exec $(PY) deploy/serve.py --address '$(ADDRESS)' --port '$(PORT)' $(if $(APPS),--apps '$(APPS)') \
	  $(if $(DASK),--dask '$(DASK)') $(if $(DASK_WORKERS),--dask-workers '$(DASK_WORKERS)')

test: install-test browser proxy database
	$(PY) -m pytest -q

bench: install
	for b in bench/*.py; do $(PY) $$b || exit 1; done
