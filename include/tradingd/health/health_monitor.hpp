#pragma once
// HealthMonitor: once every [health] interval_ms on the io thread, prints the
// health line (design.md §7, contract)
//   Conditions: 3 | Positions: 1 | Feed: OK (bybit) | Ticks/s: 412 | Balance: 1000.00
// sweeps (design.md §4.1: expiry, time limits, best prices) against the clock, moves journal records that had
// to wait into the journal's queue, and warns (at most once an interval) about
// dropped invalid ticks, so the Sniper itself never logs per tick.
// All members: io thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tradingd {

class Sniper;
class TradeJournal;
class Clock;
struct HealthSettings;

enum class FeedState { Ok, Stale, Disconnected };

class HealthMonitor {
 public:
  HealthMonitor(boost::asio::io_context& io, const HealthSettings& settings, Sniper& sniper, TradeJournal& journal,
                const Clock& clock);

  // The driving feed reports its state here (MarketFeed judges STALE, since it
  // sees every trade); `exchange` names it on the health line.
  void set_feed(FeedState state, std::string_view exchange);
  // --replay sweeps on tick time itself, so the wall-clock sweep is off.
  void set_sweep(bool enabled) { sweep_enabled_ = enabled; }
  // Who runs the once-a-second sweep: TradingSystem, which records it when a
  // session is recorded (design.md §11). Without one, the Sniper's sweep at the clock.
  void set_sweeper(std::function<void()> sweeper) { sweeper_ = std::move(sweeper); }
  // Called with each health line after it is logged (systemd's STATUS=).
  void set_line_listener(std::function<void(const std::string&)> listener) { line_listener_ = std::move(listener); }

  void start();
  void stop();
  // One round of the timer's work; public so tests can drive it.
  void run_once();

  [[nodiscard]] FeedState feed_state() const { return feed_state_; }
  [[nodiscard]] const std::string& last_line() const { return last_line_; }

  [[nodiscard]] static std::string format_line(std::size_t conditions, std::size_t positions, FeedState feed,
                                               std::string_view exchange, double ticks_per_s, double balance);

 private:
  void arm_timer();

  boost::asio::steady_timer timer_;
  const HealthSettings& settings_;
  Sniper& sniper_;
  TradeJournal& journal_;
  const Clock& clock_;

  bool running_ = false;
  bool sweep_enabled_ = true;
  std::function<void()> sweeper_;
  std::function<void(const std::string&)> line_listener_;
  std::string exchange_;
  FeedState feed_state_ = FeedState::Disconnected;
  std::uint64_t last_ticks_ = 0;
  std::uint64_t last_invalid_ = 0;
  std::chrono::steady_clock::time_point last_run_;
  bool journal_was_healthy_ = true;
  std::uint64_t last_refused_ = 0;
  std::string last_line_;
};

}  // namespace tradingd
