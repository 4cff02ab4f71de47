#!/usr/bin/env bash
# The test command (README; .ci/run calls it): installs what is missing, then
# for each stage builds its preset and runs its tests:
#   release  GCC Release (-O3): every test (unit, integration, perf, fuzz corpora, install)
#   asan     GCC Debug with ASan + UBSan, halting on the first report: every test
#   tsan     GCC RelWithDebInfo with ThreadSanitizer: the unit and journal tests, the
#            live feed tests, the recording tests, two event-stream tests and the
#            lockstep replay-clock tests (an advance's commit answered from the writer)
#            (tradingd's threads: io, journal writer, recorder, log, API helper)
#   clang    Clang 14: every test; the fuzz targets are real libFuzzer binaries here
#   package  the Debian package (scripts/package.sh): built, lintian without errors, and
#            as root installed, run as a notify service, removed and purged
# STAGES="release clang" bash scripts/test.sh runs some of them; PRESET=asan runs one.
# Exit code: the first failing stage's ctest code; the time of each stage is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
stages="${STAGES:-${PRESET:-release asan tsan clang package}}"

bash scripts/install-deps.sh
# Test-only tools: promtool (Debian's prometheus package) checks /metrics;
# headless Chromium loads the dashboard; clang-format-14 checks the style; pytest runs the Python client's tests; clang-14 and its runtime (libFuzzer)
# build the clang stage.
missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v chromium >/dev/null || missing+=(chromium)
# "unit: format" checks every source against .clang-format with Debian 12's clang-format.
command -v clang-format-14 >/dev/null || missing+=(clang-format-14)
# The Python client's tests run on Debian's python3 with its pytest.
dpkg-query -W -f='${Status}' python3-pytest 2>/dev/null | grep -q "install ok installed" || missing+=(python3-pytest)
if [[ " $stages " == *" clang "* ]]; then
  command -v clang++-14 >/dev/null || missing+=(clang-14)
  dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed" ||
    missing+=(libclang-rt-14-dev)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} for the tests"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

summary=()
for stage in $stages; do
  start=$(date +%s)
  echo "=== test.sh: stage ${stage} ==="
  if [[ "$stage" == package ]]; then
    set +e
    if [ "$(id -u)" -eq 0 ]; then
      bash scripts/package.sh --install-test
    else
      echo "test.sh: not root: the package is built and checked, not install-tested"
      bash scripts/package.sh
    fi
    code=$?
    set -e
    summary+=("package: $(($(date +%s) - start)) s, exit ${code}")
    if [[ $code -ne 0 ]]; then
      printf 'test.sh: %s\n' "${summary[@]}"
      exit "$code"
    fi
    continue
  fi
  cmake --preset "$stage"
  cmake --build --preset "$stage"
  built=$(date +%s)
  selection=()
  # TSan: the threads' own tests, and the event stream's (the journal writer
  # hands commits to the io thread, replays come from the API's helper thread);
  # the other API, browser and load tests add time, not threads.
  if [[ "$stage" == tsan ]]; then selection=(-R "^(unit:|integration:(live|resilience|record|lockstep|SIGTERM ends a held|events: (pushed|after)))"); fi
  set +e
  ctest --preset "$stage" --output-on-failure --timeout 900 -j "$(nproc)" "${selection[@]}"
  code=$?
  set -e
  end=$(date +%s)
  summary+=("${stage}: build $((built - start)) s, tests $((end - built)) s, ctest exit ${code}")
  if [[ $code -ne 0 ]]; then
    printf 'test.sh: %s\n' "${summary[@]}"
    exit "$code"
  fi
done
printf 'test.sh: %s\n' "${summary[@]}"
