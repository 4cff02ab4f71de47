#pragma once
// TradingSystem owns the components and wires them (DESIGN §2): the journal
// (and its writer thread), the Sniper, the HealthMonitor and the signal
// handlers, all driven by one io_context on one thread, the io thread. Every
// member function is for that thread (before run() it is the thread that will
// call run()).
//
// Start-up order: open the journal (throws: exit 2), recover from it, start the
// writer, arm conditions, then run. Shutdown: stop accepting conditions, apply
// [shutdown] conditions/positions, flush the journal, stop timers and signals,
// so io_context::run() returns.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "tradingd/api/control_target.hpp"
#include "tradingd/feed/replay_merge.hpp"
#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/feed/feed_listener.hpp"
#include "tradingd/feed/feed_supervisor.hpp"
#include "tradingd/feed/symbol_table.hpp"
#include "tradingd/health/health_monitor.hpp"
#include "tradingd/journal/trade_journal.hpp"
#include "tradingd/sniper/sniper.hpp"

namespace tradingd {

class Clock;
class ManualClock;
class ControlApi;
class JournalIdHistory;

struct RecoverySummary {
  double balance = 0.0;
  bool balance_from_journal = false;
  std::size_t positions = 0;
  std::size_t conditions = 0;
  std::size_t expired_while_down = 0;
};

class TradingSystem final : private FeedListener, public ControlTarget {
 public:
  TradingSystem(boost::asio::io_context& io, const Settings& settings, const Clock& clock);
  ~TradingSystem();
  TradingSystem(const TradingSystem&) = delete;
  TradingSystem& operator=(const TradingSystem&) = delete;

  ArmOutcome arm_conditions(const ParsedConditions& parsed, std::string_view origin) override;

  // --- test-mode API: the same paths the feed and the control API use ------
  // Arms one validated condition; the broken rule when refused (not journaled:
  // arm_conditions does that for the files and the API).
  std::optional<FieldError> inject_condition(const TradeCondition& condition);
  // False when the coin is not configured (nothing happens then).
  bool inject_price(std::string_view coin, double price, std::int64_t ts_ms);

  // The one entry from any feed into trading: exceptions are logged with the
  // tick and swallowed so the io loop goes on (DESIGN §8).
  void on_price_tick(CoinId coin, double price, std::int64_t ts_ms) noexcept override;
  // Best bid/ask of the driving feed (or a replay row) into the Sniper's quote slot.
  void on_quote(CoinId coin, const Quote& quote) noexcept override;

  // Live service: health timer, SIGINT/SIGTERM and the feeds ([exchange]
  // primary, then the fallback if it stays down). Trading is paused until a
  // feed is live.
  void start_service();
  // --replay: health timer, signals, then `first` and every row after it from
  // `source`, read as they are replayed, with `clock` set to tick time, at
  // `rate` rows/s (0: as fast as possible); shuts down when done. A bad row
  // stops the replay there: a clean shutdown, then replay_error() says why.
  void start_replay(ReplayMerge source, const ReplayTick& first, ManualClock& clock, double rate);
  // The bad row that stopped a replay ("file:line: ..."), if one did.
  [[nodiscard]] const std::optional<std::string>& replay_error() const { return replay_error_; }

  // Idempotent; see the class comment.
  void shutdown(std::string_view why);

  [[nodiscard]] const RecoverySummary& recovery() const { return recovery_; }
  [[nodiscard]] Sniper& sniper() override { return *sniper_; }
  [[nodiscard]] TradeJournal& journal() override { return *journal_; }
  [[nodiscard]] HealthMonitor& health() { return *health_; }
  [[nodiscard]] const CoinTable& coins() const override { return coins_; }
  [[nodiscard]] const Settings& settings() const override { return settings_; }
  [[nodiscard]] const Clock& clock() const override { return clock_; }
  void set_halted(bool halted) override;
  [[nodiscard]] const FeedSupervisor* feeds() const override { return feeds_.get(); }

 private:
  void recover();
  void install_signals();
  void replay_step();
  // FeedListener: trading runs only while the driving feed is LIVE (DESIGN §4):
  // not while connecting, disconnected or STALE.
  void on_feed_state(FeedProtocol exchange, FeedLinkState state) override;

  boost::asio::io_context& io_;
  const Settings& settings_;
  const Clock& clock_;
  CoinTable coins_;
  SymbolTable symbols_;
  std::unique_ptr<TradeJournal> journal_;
  std::unique_ptr<JournalIdHistory> ids_;  // io thread; read-only connection to the journal
  std::unique_ptr<Sniper> sniper_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<FeedSupervisor> feeds_;
  std::unique_ptr<ControlApi> api_;
  boost::asio::signal_set signals_;
  RecoverySummary recovery_;
  bool accepting_ = true;
  bool shut_down_ = false;
  std::optional<std::pair<FeedProtocol, FeedLinkState>> journaled_feed_;  // the last FEED_STATE event

  // --replay state
  struct Replay {
    ReplayMerge source;
    ReplayTick pending;  // read, not yet replayed
    ManualClock* clock = nullptr;
    double rate = 0.0;
    std::size_t rows = 0;        // replayed so far
    std::size_t quote_rows = 0;  // of which carried a bid or ask
    std::int64_t last_ts = 0;
    std::int64_t last_sweep_second = INT64_MIN;
    std::chrono::steady_clock::time_point started;
    bool has_pending = true;  // false: the next row is still to be read
  };
  std::optional<Replay> replay_;
  std::optional<std::string> replay_error_;
  boost::asio::steady_timer replay_timer_;
};

}  // namespace tradingd
