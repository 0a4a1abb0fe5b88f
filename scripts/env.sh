# Sourced by scripts/test.sh and scripts/demo.sh: the toolchain on PATH, and OpenBLAS's kernels.
if ! command -v swift >/dev/null 2>&1; then export PATH=/opt/swift/usr/bin:$PATH; fi
# OpenBLAS 0.3.21 falls back to slow SSE3 kernels on CPUs it does not know; choose from the
# CPU's flags, as Sources/Tensor/BLASKernels.swift does for the executables.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=Haswell
  fi
fi
