#!/usr/bin/env bash
# Fresh Debian 12 machine → dependencies installed, evalrun built, and the main job run on the embedded
# default: a small random-weight Llama-architecture model (real llama2 tokenizer) that evalrun itself
# writes, evaluated on MERA's parus and rummlu (1-shot, MERA's prompts) over the bundled MERA-format
# fixture data. The scores of a random model are meaningless; the run shows the whole pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
evalrun=./build/evaluator/evalrun
$evalrun make-test-model --arch llama --out build/models/test-llama
$evalrun run --model build/models/test-llama --backend cpu --tasks parus,rummlu \
  --data-dir tests/fixtures/tasks/mera --output-dir build/quickstart --log-samples
echo "results: build/quickstart/results.json"
