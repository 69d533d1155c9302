# nianbao — two commands from a fresh clone:
#   make demo   read and audit the bundled samples, write out/ (report.html, report.xlsx, findings.jsonl, cells.jsonl)
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
	$(PY) $(SHARED)/tools/score.py $(SHARED)/samples $(SHARED)/real
	@echo "输出：out/cells.jsonl out/findings.jsonl out/report.xlsx out/report.html"

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
