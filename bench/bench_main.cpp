// Google Benchmark's main, with what a report needs beside its figures: the
// CPU model and the simdjson kernel chosen for this CPU (the git revision comes
// from scripts/bench.sh as --benchmark_context=git=...).

#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <fstream>
#include <string>

#include "tradingd/app/logging.hpp"

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  tradingd::Logging::setup_console("warn");  // the runs arm and cancel thousands of conditions
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("simdjson_kernel", std::string(simdjson::get_active_implementation()->name()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
