# q2c: `make run` starts the whole suite, `make test` runs every test. Both install first.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
SUITES := shared devstack services/quote-svc services/order-svc services/invoice-svc services/payment-svc tests

.PHONY: help install run demo test lint bench bench-invoices bench-payments bench-api clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV) ## install Python and every dependency from uv.lock into .venv
	$(UV) sync --frozen --all-packages

run: install ## start PostgreSQL, the broker and the four services (Ctrl-C stops all)
	$(UV) run q2c-dev run

demo: ## walk one customer from quote to paid invoice (against `make run`)
	$(UV) run q2c-dev demo

test: install ## lint, then unit, integration and end-to-end tests against real servers
	$(UV) run ruff check .
	$(UV) run q2c-dev test $(SUITES)

bench: bench-invoices bench-payments ## both benchmarks, one after the other (options: INVOICE_ARGS=..., PAYMENT_ARGS=...)

bench-invoices: install ## time an invoice run with posting (options: INVOICE_ARGS="--accounts 2000")
	$(if $(ARGS),$(error ARGS is gone: use INVOICE_ARGS or PAYMENT_ARGS))
	$(UV) run python bench/invoice_run.py $(INVOICE_ARGS)

bench-payments: install ## time batched payment allocation (options: PAYMENT_ARGS="--batch-size 2000")
	$(if $(ARGS),$(error ARGS is gone: use INVOICE_ARGS or PAYMENT_ARGS))
	$(UV) run python bench/payment_allocation.py $(PAYMENT_ARGS)

bench-api: install ## requests/s, p50, p99 of API reads and writes, each as a ratio to /healthz (options: API_ARGS="--seconds 20 --connections 4")
	$(UV) run python bench/api_load.py $(API_ARGS)

lint: install ## ruff
	$(UV) run ruff check .

clean: ## remove local data (./var) and the virtualenv
	rm -rf var .venv .tools
