// Replay CSV into ReplaySource, read row by row as a replay reads it: either
// rows in time order or a ConfigError naming the input and line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tradingd/app/replay_source.hpp"
#include "tradingd/config/config_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tradingd;
  static const CoinTable coins({"BTC", "ETH"});
  auto src = ReplaySource::from_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv", coins);
  try {
    std::int64_t last = 0;
    for (ReplayTick t; src.next_row(t);) {
      if (t.ts_ms < last || t.coin >= coins.size()) std::abort();
      last = t.ts_ms;
    }
  } catch (const ConfigError& e) {
    for (const auto& m : e.errors())
      if (m.rfind("fuzz.csv:", 0) != 0) std::abort();
  }
  return 0;
}
