// TradeDedup: two connections' copies of the same trades delivered once, with
// Bybit's many trades per seq (protocols.md) none of them lost.

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "tradingd/feed/trade_dedup.hpp"

using namespace tradingd;

TEST_CASE("TradeDedup: many trades of one seq on two connections are each delivered once", "[unit][feed][input]") {
  TradeDedup dedup(2);
  // One taker order filled 46 times, all seq 500, ids 1000..1045; then seq 501.
  struct Trade {
    std::int64_t seq;
    std::uint64_t id;
  };
  std::vector<Trade> market;
  for (std::uint64_t k = 0; k < 46; ++k) market.push_back({500, 1000 + k});
  market.push_back({501, 2000});
  // The old connection delivers the first 30; then both carry the same
  // stream during the overlap, the new one a little behind, then ahead.
  std::size_t delivered = 0;
  for (std::size_t i = 0; i < 30; ++i) delivered += !dedup.duplicate(0, market[i].seq, market[i].id, false);
  for (std::size_t i = 20; i < market.size(); ++i) {  // the new connection starts mid-group
    delivered += !dedup.duplicate(0, market[i].seq, market[i].id, true);
    if (i + 5 < market.size())  // the old one, ahead
      delivered += !dedup.duplicate(0, market[i + 5].seq, market[i + 5].id, true);
  }
  CHECK(delivered == market.size());
  // Anything older than the last seq is a duplicate during an overlap ...
  CHECK(dedup.duplicate(0, 499, 7, true));
  // ... but outside one nothing is dropped: an exchange restart starts again low.
  CHECK_FALSE(dedup.duplicate(0, 3, 1, false));
  CHECK_FALSE(dedup.duplicate(0, 4, 1, true));
  // Coins are apart, and no seq means no check.
  CHECK_FALSE(dedup.duplicate(1, 500, 1000, true));
  CHECK_FALSE(dedup.duplicate(1, 0, 1, true));
  CHECK_FALSE(dedup.duplicate(1, 0, 1, true));
}

TEST_CASE("TradeDedup: a seq with more fills than it remembers forgets only the oldest", "[unit][feed]") {
  TradeDedup dedup(1);
  constexpr std::uint64_t n = TradeDedup::ids_per_seq + 10;
  for (std::uint64_t k = 0; k < n; ++k) CHECK_FALSE(dedup.duplicate(0, 9, k, false));
  CHECK(dedup.duplicate(0, 9, n - 1, true));
  CHECK(dedup.duplicate(0, 9, n - TradeDedup::ids_per_seq, true));
  CHECK_FALSE(dedup.duplicate(0, 9, 0, true));  // forgotten: delivered again (a bound, not a loss)
}
