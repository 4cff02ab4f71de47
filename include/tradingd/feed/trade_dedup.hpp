#pragma once
// TradeDedup: delivers each trade once when two connections carry the same
// trades (a rotation's overlap, design.md §2 / protocols.md). Per coin it keeps
// the last sequence delivered and the trade ids delivered at it: Bybit gives
// every fill of one taker order the same `seq` (recorded frames hold dozens),
// so the seq alone would drop real trades; (seq, trade id) tells them apart.
// Binance's trade id is its own sequence, so the same rule holds there.
//
// Outside an overlap nothing is dropped and the sequence is only recorded,
// even when it goes back (an exchange that restarts its numbering never
// silences a coin). Fixed memory, no allocation after construction; io thread.

#include <array>
#include <cstdint>
#include <vector>

#include "tradingd/domain/coin_table.hpp"

namespace tradingd {

class TradeDedup {
 public:
  // Ids remembered per coin at its last seq: more than the largest group of
  // one seq recorded from Bybit (46). Past it the oldest are forgotten.
  static constexpr std::size_t ids_per_seq = 256;

  explicit TradeDedup(std::size_t coins) : coins_(coins) {}

  // True when this trade was delivered before and `overlap` is on: drop it.
  // Otherwise records it as delivered and returns false. A seq <= 0 (none
  // given) is never a duplicate.
  bool duplicate(CoinId coin, std::int64_t seq, std::uint64_t trade_id, bool overlap) noexcept {
    if (seq <= 0 || coin >= coins_.size()) return false;
    Coin& c = coins_[coin];
    if (overlap) {
      if (seq < c.seq) return true;
      if (seq == c.seq && c.holds(trade_id)) return true;
    }
    if (seq != c.seq) {
      c.seq = seq;
      c.count = 0;
    }
    c.ids[c.count % ids_per_seq] = trade_id;
    ++c.count;
    return false;
  }

 private:
  struct Coin {
    std::int64_t seq = 0;
    std::uint64_t count = 0;  // ids recorded at seq (the ring holds the last ids_per_seq)
    std::array<std::uint64_t, ids_per_seq> ids{};
    [[nodiscard]] bool holds(std::uint64_t id) const noexcept {
      const std::size_t n = count < ids_per_seq ? static_cast<std::size_t>(count) : ids_per_seq;
      for (std::size_t i = 0; i < n; ++i)
        if (ids[i] == id) return true;
      return false;
    }
  };
  std::vector<Coin> coins_;
};

}  // namespace tradingd
