#pragma once
// The frame fuzz targets' shared body: one parser for the protocol, fed the
// input as one WebSocket frame; every result must hold up (ticks in range of
// the coin table with real prices and times; a quote's sides real prices and bid <= ask,
// as documented; the level-1 book that snapshots and deltas build holds only real prices).

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/price_rule.hpp"
#include "tradingd/domain/time_format.hpp"
#include "tradingd/feed/frame_parser.hpp"
#include "tradingd/feed/symbol_table.hpp"

namespace tradingd::fuzz {

inline int parse_frame(FeedProtocol protocol, const std::uint8_t* data, std::size_t size) {
  static const CoinTable coins({"BTC", "ETH", "SOL", "PEPE"});
  static const SymbolTable symbols(coins, "USDT");
  static FrameParser parser(protocol, symbols);
  const auto r = parser.parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.kind == FrameKind::Trades) {
    for (const auto& t : parser.ticks())
      if (t.coin >= coins.size() || !PriceRule::real(t.price) || t.ts_ms < 0 || t.ts_ms > TimeFormat::max_epoch_ms)
        std::abort();
  } else if (r.kind == FrameKind::Quote) {
    const auto& q = parser.quote();
    if (q.coin >= coins.size()) std::abort();
    const auto priced = [](SideChange c) { return c == SideChange::Set || c == SideChange::Remove; };
    if ((priced(q.bid_change) && !PriceRule::real(q.bid)) || (priced(q.ask_change) && !PriceRule::real(q.ask)))
      std::abort();
    if (q.bid_change == SideChange::Set && q.ask_change == SideChange::Set && q.bid > q.ask) std::abort();
    if (!q.delta && (q.bid_change == SideChange::Keep || q.bid_change == SideChange::Remove)) std::abort();
    // The book it builds across inputs holds only real prices (a crossed one
    // is the feed's to drop, so the book here may cross).
    static Quote book[4];
    book[q.coin] = q.applied_to(book[q.coin]);
    const Quote& b = book[q.coin];
    if ((b.has_bid && !PriceRule::real(b.bid)) || (b.has_ask && !PriceRule::real(b.ask))) std::abort();
  }
  return 0;
}

}  // namespace tradingd::fuzz
