#pragma once
// ReplaySource: a recorded price path from CSV, loaded and checked whole at
// start-up so a bad line stops the run before trading starts (ConfigError
// naming file and line). Rows are `ts_ms,coin,price[,bid,ask]` (DESIGN §1,
// header optional): a row with a price is a trade, and its bid/ask, when
// given, update the coin's quote first; a row with an empty price and a bid
// and/or ask is a quote update only. Timestamps must not go backwards: tick
// time is the clock during a replay.

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string_view>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/quote.hpp"

namespace tradingd {

struct ReplayTick {
  std::int64_t ts_ms = 0;
  CoinId coin = 0;
  double price = 0.0;
  bool has_price = true;   // false: a quote-only row
  bool has_quote = false;  // `quote` holds the row's bid and/or ask, stamped with ts_ms
  Quote quote;
};

class ReplaySource {
 public:
  [[nodiscard]] static ReplaySource load(const std::filesystem::path& path, const CoinTable& coins);
  // The same from any stream; `name` labels messages ("name:line: ...").
  [[nodiscard]] static ReplaySource parse(std::istream& in, std::string_view name, const CoinTable& coins);

  [[nodiscard]] const std::vector<ReplayTick>& ticks() const { return ticks_; }

 private:
  std::vector<ReplayTick> ticks_;
};

}  // namespace tradingd
