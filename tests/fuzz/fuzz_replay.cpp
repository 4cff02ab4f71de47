// Any replay file's text into ArchiveSource, its format told from the first
// line as a replay tells it (every format of design.md §10), read row by row:
// either rows in time order of configured coins, or a ConfigError naming
// the input and line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tradingd/config/config_error.hpp"
#include "tradingd/feed/archive_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tradingd;
  static const CoinTable coins({"BTC", "ETH"});
  static const SymbolTable symbols(coins, "USDT");
  // Names as the exchanges give them, so that rows without a symbol get one.
  static const char* const names[] = {"fuzz.csv", "BTCUSDT-trades-2025-01-01.csv", "ETHUSDT_2025-01-01.csv.gz",
                                      "ETHUSDT-bookTicker-2025-01-01.csv"};
  const std::string name = names[size % 4];
  try {
    auto src = ArchiveSource::from_text(std::string(reinterpret_cast<const char*>(data), size), name,
                                        ArchiveSource::Context{&coins, &symbols, std::nullopt});
    std::int64_t last = 0;
    for (ReplayTick t; src.next_row(t);) {
      if (t.ts_us < last || t.coin >= coins.size() || t.ts_ms != t.ts_us / 1000) std::abort();
      if (t.has_price && !(t.price >= 1e-12 && t.price <= 1e12)) std::abort();
      last = t.ts_us;
    }
  } catch (const ConfigError& e) {
    for (const auto& m : e.errors())
      if (m.rfind(name + ":", 0) != 0) std::abort();
  }
  return 0;
}
