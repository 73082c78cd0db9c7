#!/usr/bin/env bash
# Builds evalrun and runs every test suite (GoogleTest via CTest). CUDA tests skip where no GPU exists.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc 2>/dev/null || echo 2)"
