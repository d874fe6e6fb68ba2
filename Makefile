# The front door: `make dataset` builds dist/abstracts, `make test` runs the suite.
# Both create the environment from the lock file first; nothing else is installed by hand.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: env dataset test quality text bench lint lock clean

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

dataset: $(STAMP)
	@$(BIN)/abstracts check
	$(BIN)/dvc repro

test: $(STAMP)
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/python -m pytest -n auto --dist loadfile

# Dedup precision/recall and stage throughput on N abstracts grown from the ACL corpus.
N ?= 20000
quality: $(STAMP)
	$(BIN)/python bench/quality.py $(N)

# What the text rules make of the real corpora in ../shared/corpora: TeX left behind, flag
# rates, placeholders; SAMPLE=30 prints that many flagged abstracts per flag to read.
SAMPLE ?= 0
text: $(STAMP)
	$(BIN)/python bench/text.py --sample $(SAMPLE)

# Wall, CPU, peak memory and throughput of each stage of `dvc repro` on N synthetic abstracts
# (in build/bench/), against the floor; `make bench N=1000000` for the goals' scale, and
# WORKLOAD=copies for a crawl's (each original copied 49 times), WORKLOAD=acl for the real ACL
# corpus (176 small files; N is ignored).
# ENGINE=ray builds it again on a two-node Ray cluster started on this machine and prints
# each stage's overhead against the local engine (instead of the incremental builds).
WORKLOAD ?= mixed
ENGINE ?= local
bench: N = 100000
bench: $(STAMP)
	$(BIN)/python bench/run.py $(N) --workload $(WORKLOAD) --engine $(ENGINE)

lint: $(STAMP)
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/ruff format --check pipeline schemas tests bench

# Re-resolve every dependency together into the lock file (needs uv: `pip install uv` in any venv).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) build dist .pytest_cache
