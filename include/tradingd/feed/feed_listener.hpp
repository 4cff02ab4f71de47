#pragma once
// FeedListener: what a MarketFeed reports to. TradingSystem implements it and
// wires it to the Sniper (ticks, trading paused while no feed is live) and the
// HealthMonitor (feed state). io thread only.

#include <cstdint>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/feed/frame_parser.hpp"

namespace tradingd {

class FeedListener {
 public:
  // Every trade, in exchange order: the hot path.
  virtual void on_price_tick(CoinId coin, double price, std::int64_t ts_ms) noexcept = 0;
  // Subscribed and streaming / no longer so.
  virtual void on_feed_live(FeedProtocol exchange) = 0;
  virtual void on_feed_down(FeedProtocol exchange) = 0;

 protected:
  ~FeedListener() = default;
};

}  // namespace tradingd
