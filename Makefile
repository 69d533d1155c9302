# nianbao — two commands from a fresh clone:
#   make demo   read and audit the bundled samples, write out/ (cells.jsonl, findings.jsonl, report.xlsx,
#               report.html, nianbao.duckdb) and score the extraction against the answer keys
#   make test   the whole test suite
PY ?= python3
SHARED ?= ../shared

.PHONY: install demo test test-fast score bench fuzz

install:
	$(PY) -m pip install -q -e '.[web,analytics,test]'

demo: install
	mkdir -p out
	nianbao extract --cells $(SHARED)/samples $(SHARED)/real > out/cells.jsonl || true
	nianbao check $(SHARED)/samples $(SHARED)/real --json --excel out/report.xlsx --html out/report.html > out/findings.jsonl || true
	rm -f out/nianbao.duckdb
	nianbao ingest $(SHARED)/samples $(SHARED)/real --db out/nianbao.duckdb || true
	COLUMNS=200 nianbao analyze indicators --db out/nianbao.duckdb --out out/indicators.xlsx
	$(PY) $(SHARED)/tools/score.py $(SHARED)/samples $(SHARED)/real
	@echo "输出：out/cells.jsonl out/findings.jsonl out/report.xlsx out/report.html out/nianbao.duckdb out/indicators.xlsx"

test: install
	$(PY) -m pytest -q -p no:cacheprovider

test-fast:
	$(PY) -m pytest -q -m "not slow" -p no:cacheprovider

score:
	$(PY) $(SHARED)/tools/score.py $(SHARED)/samples $(SHARED)/real

bench:
	$(PY) bench/run.py

fuzz:
	NIANBAO_FUZZ_EXAMPLES=10000 $(PY) -m pytest -q tests/test_fuzz_readers.py -p no:cacheprovider
