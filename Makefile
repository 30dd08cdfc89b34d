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
EVAL_ARGS ?=
NOW := $(shell date +%Y%m%d-%H%M%S)
RUN ?= runs/$(NOW)

.PHONY: setup test dashboard train bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

# Two workers (pytest-xdist): the browser tests, kept together on one (tests/conftest.py), mostly wait
# for their pages and kernels while the other trains small models: 16 minutes instead of 28 here.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Serves the dashboard (HOST, PORT, BASE_URL, DB, MODEL and ADMIN_TOKEN can be set; BASE_URL, default /,
# serves it under a path, e.g. /services/handwriting/ behind JupyterHub); if MODEL does not exist,
# first trains one on the embedded default data. ADMIN_TOKEN (the teacher's token, else a random one)
# and DB (a database URL may hold a password) reach the launcher in its environment, so make never
# echoes them.
ifneq ($(ADMIN_TOKEN),)
dashboard: export HANDWRITING_ADMIN_TOKEN := $(ADMIN_TOKEN)
endif
ifneq ($(DB),)
dashboard: export HANDWRITING_DB := $(DB)
endif
dashboard: $(STAMP)
	@test -f "$(MODEL)" || $(BIN)/handwriting train -p model_path "$(abspath $(MODEL))"
	$(BIN)/handwriting dashboard --host $(HOST) --port $(PORT) --model "$(abspath $(MODEL))" --base-url "$(or $(BASE_URL),/)"

# Trains (03) and evaluates (04) headlessly on the embedded default, never touching the shipped model.
# Papermill parameters pass through: ARGS to training, EVAL_ARGS to evaluation, e.g.
#   make train ARGS="-p epochs 1 -p limit 2000" EVAL_ARGS="-p data ../shared/data/real_letters.npz"
# The model, its card and the executed notebooks land in runs/<time>/.
train: $(STAMP)
	mkdir -p $(RUN)
	$(BIN)/papermill notebooks/03_training.ipynb $(RUN)/03_training.ipynb --cwd notebooks -p model_path "$(abspath $(RUN))/model.keras" $(ARGS)
	$(BIN)/papermill notebooks/04_evaluation.ipynb $(RUN)/04_evaluation.ipynb --cwd notebooks -p model_path "$(abspath $(RUN))/model.keras" $(EVAL_ARGS)
	@echo "model, card and executed notebooks: $(RUN)/"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) runs data/interim .pytest_cache
