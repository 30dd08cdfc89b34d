# Everything a user runs. `make test` and `make dashboard` set up .venv on first use (python3 >= 3.10),
# and reuse it afterwards: the install step re-runs only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8866
MODEL ?= models/handwriting.keras
ARGS ?=
RUNS := runs/$(shell date +%Y%m%d-%H%M%S)

.PHONY: setup test dashboard train bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# Serves the dashboard; trains a model on the embedded default first if MODEL does not exist.
dashboard: $(STAMP)
	@test -f "$(MODEL)" || $(BIN)/handwriting train -p model_path "$(MODEL)"
	HANDWRITING_MODEL="$(abspath $(MODEL))" $(BIN)/handwriting dashboard --host $(HOST) --port $(PORT) $(if $(DB),--db "$(DB)")

# Trains (03) and evaluates (04) headlessly on the embedded default; papermill parameters pass through,
# e.g. make train ARGS="-p epochs 1 -p limit 2000". Executed notebooks land in runs/<time>/.
train: $(STAMP)
	mkdir -p $(RUNS)
	$(BIN)/papermill notebooks/03_training.ipynb $(RUNS)/03_training.ipynb -p model_path "$(abspath $(RUNS))/model.keras" $(ARGS)
	$(BIN)/papermill notebooks/04_evaluation.ipynb $(RUNS)/04_evaluation.ipynb -p model_path "$(abspath $(RUNS))/model.keras"
	@echo "model, card and executed notebooks: $(RUNS)/"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) runs data/interim .pytest_cache
