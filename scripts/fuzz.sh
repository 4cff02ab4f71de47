#!/usr/bin/env bash
# Runs one fuzz target with libFuzzer for a while:
#   bash scripts/fuzz.sh TARGET [SECONDS]     (default 600)
#   bash scripts/fuzz.sh list
# Targets: bybit_frame binance_frame conditions config api_request replay replay_container session_line.
# Builds the `fuzz` preset (Clang 14, the engine instrumented for coverage,
# ASan + UBSan), starts from the committed corpus tests/fuzz/corpus/TARGET and
# writes what it learns to build/fuzz/corpus/TARGET (the committed corpus stays
# small and hand-picked). A crash is written to build/fuzz/findings/TARGET/ and
# the run fails: fix it, then copy the input into tests/fuzz/corpus/TARGET/ as a
# regression (crash-<what>), where `ctest -L fuzz` replays it in every build.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(bybit_frame binance_frame conditions config api_request replay replay_container session_line)
target="${1:-}"
seconds="${2:-600}"
if [[ "$target" == "list" ]]; then printf '%s\n' "${targets[@]}"; exit 0; fi
if [[ ! " ${targets[*]} " =~ " ${target} " ]]; then
  echo "usage: bash scripts/fuzz.sh TARGET [SECONDS]   (TARGET: ${targets[*]})" >&2
  exit 2
fi
bash scripts/install-deps.sh >/dev/null
if ! command -v clang++-14 >/dev/null || [[ ! -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]]; then
  echo "fuzz.sh: installing clang-14 and its runtime (libFuzzer)"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends clang-14 libclang-rt-14-dev
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "fuzz_${target}"
work="build/fuzz/corpus/${target}"
findings="build/fuzz/findings/${target}"
mkdir -p "$work" "$findings"
echo "fuzz.sh: ${target} for ${seconds} s (corpus ${work}, findings ${findings})"
# -timeout: an input that takes over 10 s is a hang, a finding like a crash.
# -rss_limit_mb: a target that grows past 2 GiB is a finding too.
exec "build/fuzz/tests/fuzz/fuzz_${target}" "$work" "tests/fuzz/corpus/${target}" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="${findings}/" -print_final_stats=1
