#pragma once
// Quote: a coin's best bid and ask (design.md §4.4), as the feed or a replay row
// gives it. A side can be missing (Bybit sends an empty level when a book side
// is empty); fills on that side then fall back to the trade price. Plain data:
// a quote travels the hot path by value.

#include <cstdint>

#include "tradingd/domain/price_rule.hpp"

namespace tradingd {

struct Quote {
  double bid = 0.0;
  double ask = 0.0;
  bool has_bid = false;
  bool has_ask = false;
  std::int64_t ts_ms = 0;  // when it arrived, by the clock fills are judged by (tick time in a replay)

  // design.md §4.4: a side that is given must be a real price (PriceRule), and
  // bid <= ask when both are; anything else is dropped and counted.
  [[nodiscard]] bool valid() const {
    const auto side_ok = [](bool has, double v) { return !has || PriceRule::real(v); };
    return side_ok(has_bid, bid) && side_ok(has_ask, ask) && !(has_bid && has_ask && bid > ask);
  }
  [[nodiscard]] bool crossed() const { return has_bid && has_ask && bid > ask; }
};

}  // namespace tradingd
