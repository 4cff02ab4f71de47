#pragma once
// The frame fuzz targets' shared body: one parser for the protocol, fed the
// input as one WebSocket frame; every result must hold up (ticks in range of
// the coin table; a quote's sides finite, > 0 and bid <= ask, as documented).

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"
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
      if (t.coin >= coins.size()) std::abort();
  } else if (r.kind == FrameKind::Quote) {
    const auto& q = parser.quote();
    if (q.coin >= coins.size()) std::abort();
    if ((q.has_bid && !(q.bid > 0 && std::isfinite(q.bid))) || (q.has_ask && !(q.ask > 0 && std::isfinite(q.ask))))
      std::abort();
    if (q.has_bid && q.has_ask && q.bid > q.ask) std::abort();
  }
  return 0;
}

}  // namespace tradingd::fuzz
