#!/usr/bin/env bash
# Fresh machine → installed, built, and one evaluation run on the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
./build/evaluator/evalrun tasks
