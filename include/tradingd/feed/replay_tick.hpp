#pragma once
// ReplayTick: one row of market data as a replay applies it (design.md §10), from
// any source format. Plain data, passed by value.

#include <cstdint>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/quote.hpp"

namespace tradingd {

struct ReplayTick {
  std::int64_t ts_us = 0;  // the row's time at the finest unit any source has; the merge orders by it
  std::int64_t ts_ms = 0;  // the engine's clock: ts_us floored to ms
  CoinId coin = 0;
  double price = 0.0;
  bool has_price = true;   // false: a quote-only row
  bool has_quote = false;  // `quote` holds the row's bid and/or ask (or neither: an empty book), stamped with ts_ms
  Quote quote;
};

}  // namespace tradingd
