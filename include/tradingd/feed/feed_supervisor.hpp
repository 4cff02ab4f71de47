#pragma once
// FeedSupervisor: runs the exchange feeds and lets one drive the Sniper
// (design.md §8). It owns one MarketFeed for [exchange] primary and, when
// configured, one for the fallback. The primary runs always and keeps
// reconnecting; which feed drives, and when the fallback runs, is
// FailoverPolicy's decision, which this class asks every 100 ms and on every
// change of a link's state, and applies.
// Exactly one exchange drives at a time: ticks from the other never reach the
// listener, and the listener sees the driving exchange's state only.
// io thread only.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "tradingd/feed/failover_policy.hpp"
#include "tradingd/feed/feed_listener.hpp"
#include "tradingd/feed/market_feed.hpp"

namespace tradingd {

struct Settings;
class Clock;

class FeedSupervisor {
 public:
  // Builds the TLS context (reads [tls] ca_file: throws at start-up) and the feeds.
  FeedSupervisor(boost::asio::io_context& io, const Settings& settings, const SymbolTable& symbols,
                 const Clock& wall_clock, FeedListener& listener);
  ~FeedSupervisor();

  void start();
  void stop();

  [[nodiscard]] FeedProtocol driver() const { return feeds_[driver_]->protocol(); }
  [[nodiscard]] FeedLinkState state() const { return feeds_[driver_]->state(); }
  [[nodiscard]] const MarketFeed& primary() const { return *feeds_[0]; }
  [[nodiscard]] const MarketFeed* fallback() const { return feeds_[1].get(); }

 private:
  using Steady = std::chrono::steady_clock;

  // Receives one feed's reports and passes on what the driving feed says.
  struct Tap final : FeedListener {
    Tap(FeedSupervisor& s, std::size_t i) : supervisor(s), index(i) {}
    void on_price_tick(CoinId coin, double price, std::int64_t ts_ms) noexcept override;
    // Every feed's frames, driving or not: a failover inside a frame must not
    // leave a begin without its end.
    void on_frame_begin(std::int64_t received_ms) noexcept override {
      supervisor.listener_.on_frame_begin(received_ms);
    }
    void on_frame_end() noexcept override { supervisor.listener_.on_frame_end(); }
    void on_quote(CoinId coin, const Quote& quote) noexcept override;
    void on_feed_state(FeedProtocol exchange, FeedLinkState state) override;
    FeedSupervisor& supervisor;
    const std::size_t index;
  };

  void evaluate();
  void drive(std::size_t index, const std::string& why);
  void arm_timer();

  const Settings& settings_;
  const SymbolTable& symbols_;
  FeedListener& listener_;
  std::array<Tap, 2> taps_;
  std::array<std::unique_ptr<MarketFeed>, 2> feeds_;  // [0] primary, [1] fallback (may be null)
  // The driver, as the policy last decided: read on every tick, so kept here
  // as a plain index beside the taps.
  std::size_t driver_ = 0;
  bool running_ = false;
  bool evaluating_ = false;  // starting or stopping a feed reports back into evaluate()
  FailoverPolicy policy_;
  boost::asio::steady_timer timer_;
};

}  // namespace tradingd
