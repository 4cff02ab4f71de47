#pragma once
// FeedListener: what a MarketFeed (and the FeedSupervisor above the feeds)
// reports to. TradingSystem implements it and wires it to the Sniper (ticks;
// trading only while the driving feed is LIVE) and the HealthMonitor (the
// feed state of the health line). io thread only.

#include <cstdint>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/quote.hpp"
#include "tradingd/feed/frame_parser.hpp"

namespace tradingd {

// Connecting: no connection yet, or not yet subscribed. Live: subscribed and
// trades arrive. Stale: connected but no trade for [health] stale_after_ms.
// Disconnected: lost, waiting to retry. Stopped: after stop().
enum class FeedLinkState { Stopped, Connecting, Live, Stale, Disconnected };
[[nodiscard]] std::string_view to_string(FeedLinkState s);

class FeedListener {
 public:
  // Every trade, in exchange order: the hot path.
  virtual void on_price_tick(CoinId coin, double price, std::int64_t ts_ms) noexcept = 0;
  // A coin's best bid/ask (only with [paper] fill_on = "quote"), stamped with
  // the local clock at arrival; a quote never triggers anything.
  virtual void on_quote(CoinId coin, const Quote& quote) noexcept = 0;
  virtual void on_feed_state(FeedProtocol exchange, FeedLinkState state) = 0;
  // Around the delivery of one frame's trades, every frame (driving or not),
  // with the wall-clock ms the feed read for it: a listener may hold its clock
  // at that value meanwhile (a recording does, so it reads the clock once a
  // frame, not once a trade). Always paired, never nested.
  virtual void on_frame_begin(std::int64_t received_ms) noexcept { (void)received_ms; }
  virtual void on_frame_end() noexcept {}

 protected:
  ~FeedListener() = default;
};

}  // namespace tradingd
