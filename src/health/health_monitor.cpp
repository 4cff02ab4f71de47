#include "tradingd/health/health_monitor.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/clock.hpp"
#include "tradingd/journal/trade_journal.hpp"
#include "tradingd/sniper/sniper.hpp"

namespace tradingd {

HealthMonitor::HealthMonitor(boost::asio::io_context& io, const HealthSettings& settings, Sniper& sniper,
                             TradeJournal& journal, const Clock& clock)
    : timer_(io),
      settings_(settings),
      sniper_(sniper),
      journal_(journal),
      clock_(clock),
      last_run_(std::chrono::steady_clock::now()) {}

void HealthMonitor::set_feed(FeedState state, std::string_view exchange) {
  feed_state_ = state;
  exchange_ = exchange;
}

void HealthMonitor::start() {
  running_ = true;
  last_run_ = std::chrono::steady_clock::now();
  last_ticks_ = sniper_.counters().ticks;
  arm_timer();
}

void HealthMonitor::stop() {
  running_ = false;
  timer_.cancel();
}

void HealthMonitor::arm_timer() {
  timer_.expires_after(std::chrono::milliseconds(settings_.interval_ms));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;  // cancelled at shutdown
    run_once();
    arm_timer();
  });
}

std::string HealthMonitor::format_line(std::size_t conditions, std::size_t positions, FeedState feed,
                                       std::string_view exchange, double ticks_per_s, double balance) {
  std::string feed_text;
  switch (feed) {
    case FeedState::Ok:
      feed_text = fmt::format("OK ({})", exchange);
      break;
    case FeedState::Stale:
      feed_text = "STALE";
      break;
    case FeedState::Disconnected:
      feed_text = "DISCONNECTED";
      break;
  }
  return fmt::format("Conditions: {} | Positions: {} | Feed: {} | Ticks/s: {} | Balance: {:.2f}", conditions, positions,
                     feed_text, static_cast<long long>(std::llround(ticks_per_s)), balance);
}

void HealthMonitor::run_once() {
  const auto now = std::chrono::steady_clock::now();
  const auto& c = sniper_.counters();

  if (sweep_enabled_) {
    if (sweeper_)
      sweeper_();
    else
      sniper_.sweep(clock_.now_ms());
  }
  journal_.pump();

  const double elapsed_s = std::chrono::duration<double>(now - last_run_).count();
  const std::uint64_t ticks = c.ticks - last_ticks_;
  const double rate = elapsed_s > 0 ? static_cast<double>(ticks) / elapsed_s : 0.0;
  last_ticks_ = c.ticks;
  last_run_ = now;

  last_line_ = format_line(sniper_.active_condition_count(), sniper_.open_position_count(), feed_state_, exchange_,
                           rate, sniper_.balance());
  spdlog::info("{}", last_line_);
  if (line_listener_) line_listener_(last_line_);

  if (c.invalid_ticks != last_invalid_) {
    const auto& coins = sniper_.coins();
    spdlog::warn(
        "Dropped {} invalid ticks since the last report (last: coin {} price {})", c.invalid_ticks - last_invalid_,
        c.last_invalid_coin < coins.size() ? coins.name(c.last_invalid_coin) : std::string("?"), c.last_invalid_price);
    last_invalid_ = c.invalid_ticks;
  }

  const JournalStats js = journal_.stats();
  if (!js.healthy)
    spdlog::error("Journal: UNHEALTHY ({} failed writes; {} records waiting)", js.write_errors, js.queue_depth);
  else if (!journal_was_healthy_)
    spdlog::info("Journal: healthy again");
  journal_was_healthy_ = js.healthy;
  if (js.refused_writes > last_refused_) {
    spdlog::error("Journal: refused {} records in all (a value SQLite cannot keep or a constraint); /health fails",
                  js.refused_writes);
    last_refused_ = js.refused_writes;
  }
  spdlog::debug("Ticks: {} | Invalid: {} | Paused: {} | Journal queue: {} | Overflowed: {} | Committed: {}", c.ticks,
                c.invalid_ticks, c.paused_ticks, js.queue_depth, js.overflowed, js.committed);
}

}  // namespace tradingd
