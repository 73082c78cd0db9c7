#!/usr/bin/env bash
# Packs the CUDA build (tests_cuda, bench_cuda_engine_bench, evalrun) with the shared libraries it needs
# beyond glibc/libstdc++ and CUDA into build-cuda/device-bundle.tar.xz, for a GPU machine that has the
# CUDA 13 runtime but not evalrun's Debian -dev packages. Run here after:
#   cmake -S . -B build-cuda -DEVALRUN_CUDA=ON && cmake --build build-cuda -j2 --target tests_cuda bench_cuda_engine_bench evalrun
# Then on the GPU machine: tools/cuda_device_run.sh {tests|parity|bench} (see docs/cuda.md).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-cuda}
stage="$build/device-bundle"
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib"
for exe in tests/tests_cuda bench/bench_cuda_engine_bench evaluator/evalrun; do
  if [ -x "$build/$exe" ]; then
    cp "$build/$exe" "$stage/bin/"
  elif [ "$exe" != evaluator/evalrun ]; then
    echo "missing $build/$exe: build it first" >&2
    exit 1
  fi
done
# Every resolved dependency except the C runtime, libstdc++/libgcc and the CUDA libraries (the GPU
# machine's own, matching its driver).
for exe in "$stage"/bin/*; do
  ldd "$exe" | awk '/=> \//{print $3}'
done | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libresolv.so*|libutil.so*|ld-linux*) ;;
    libstdc++.so*|libgcc_s.so*) ;;
    libcuda.so*|libcudart.so*|libcublas.so*|libcublasLt.so*) ;;
    *) cp -L "$lib" "$stage/lib/" ;;
  esac
done
XZ_OPT="-6 -T0" tar -C "$stage" -cJf "$build/device-bundle.tar.xz" bin lib
echo "$build/device-bundle.tar.xz: $(du -h "$build/device-bundle.tar.xz" | cut -f1) ($(ls "$stage/lib" | wc -l) libraries)"
