#!/usr/bin/env bash
# Runs the CUDA checks on the GPU machine from the bundle made by tools/cuda_device_bundle.sh, in the
# repository root of the copied working tree. Results land in $OUT (when set) or /tmp/evalrun-out.
#   tools/cuda_device_run.sh tests    # tests_cuda: every op vs the CPU twin + whole-model parity
#   tools/cuda_device_run.sh parity   # transformers references (tiny → fixtures, realistic → /tmp) + checks
#   tools/cuda_device_run.sh bench    # bench_cuda_engine_bench + the lm-eval HF peer (tools/cuda_bench_hf_peer.py)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: cuda_device_run.sh tests|parity|bench}
shift || true
out=${OUT:-/tmp/evalrun-out}
mkdir -p "$out" /tmp/evalrun
[ -x /tmp/evalrun/bin/tests_cuda ] || tar -xJf build-cuda/device-bundle.tar.xz -C /tmp/evalrun
cuda_libs=""
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [ -d "$d" ] && cuda_libs="$cuda_libs:$d"
done
pylibs=$(python3 - <<'PY' 2>/dev/null || true
import importlib, os
dirs = []
for m in ("nvidia.cu13", "nvidia.cublas", "nvidia.cuda_runtime"):
    try:
        mod = importlib.import_module(m)
        for p in mod.__path__:
            for sub in ("lib", "lib64"):
                if os.path.isdir(os.path.join(p, sub)):
                    dirs.append(os.path.join(p, sub))
    except Exception:
        pass
print(":".join(dirs))
PY
)
export LD_LIBRARY_PATH="/tmp/evalrun/lib${cuda_libs}${pylibs:+:$pylibs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export EVALRUN_SOURCE_DIR="$PWD" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
case "$mode" in
  tests)
    /tmp/evalrun/bin/tests_cuda --gtest_output="xml:$out/tests_cuda.xml" "$@" 2>&1 | tee "$out/tests_cuda.log"
    ;;
  parity)
    python3 tools/make_hf_reference.py --set tiny --out tests/fixtures/cuda/hf_reference
    python3 tools/make_hf_reference.py --set realistic --out /tmp/evalrun_hf_realistic
    mkdir -p "$out/hf_reference" && cp -r tests/fixtures/cuda/hf_reference/. "$out/hf_reference/"
    EVALRUN_HF_REFERENCE_DIR=/tmp/evalrun_hf_realistic /tmp/evalrun/bin/tests_cuda --gtest_filter='HfReference*' \
      2>&1 | tee "$out/parity.log"
    ;;
  bench)
    /tmp/evalrun/bin/bench_cuda_engine_bench --json "$out/ours.json" "$@" 2>&1 | tee "$out/bench.log"
    python3 tools/cuda_bench_hf_peer.py --ours "$out/ours.json" 2>&1 | tee -a "$out/bench.log"
    ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
