# nianbao — two commands from a fresh clone (nothing beside it is needed):
#   make demo   read and audit the bundled examples (examples/), write out/ (cells.jsonl, findings.jsonl,
#               report.xlsx, report.html, nianbao.duckdb, indicators.xlsx) and score the extraction
#               against the answer keys
#   make test   the whole test suite and the type check
PY ?= python3
EXAMPLES ?= examples/samples examples/real

.PHONY: install demo test test-fast typecheck score bench fuzz

install:
	$(PY) -m pip install -q -e '.[web,analytics,test]'

demo: install
	mkdir -p out
	nianbao extract --cells $(EXAMPLES) > out/cells.jsonl || true
	nianbao check $(EXAMPLES) --json --excel out/report.xlsx --html out/report.html > out/findings.jsonl || true
	rm -f out/nianbao.duckdb
	nianbao ingest $(EXAMPLES) --db out/nianbao.duckdb || true
	COLUMNS=200 nianbao analyze indicators --db out/nianbao.duckdb --out out/indicators.xlsx
	$(PY) bench/score.py $(EXAMPLES)
	@echo "输出：out/cells.jsonl out/findings.jsonl out/report.xlsx out/report.html out/nianbao.duckdb out/indicators.xlsx"

test: install typecheck
	$(PY) -m pytest -q -p no:cacheprovider

typecheck:
	$(PY) -m mypy

test-fast:
	$(PY) -m pytest -q -m "not slow" -p no:cacheprovider

score:
	$(PY) bench/score.py $(EXAMPLES)

bench:
	$(PY) bench/run.py

fuzz:
	NIANBAO_FUZZ_EXAMPLES=10000 $(PY) -m pytest -q tests/test_fuzz_readers.py -p no:cacheprovider
