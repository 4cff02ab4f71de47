#pragma once
// TradingSystem owns the components and wires them (design.md §2): the journal
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
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "tradingd/api/control_target.hpp"
#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/latched_clock.hpp"
#include "tradingd/feed/feed_listener.hpp"
#include "tradingd/feed/feed_supervisor.hpp"
#include "tradingd/feed/replay_merge.hpp"
#include "tradingd/feed/replay_pace.hpp"
#include "tradingd/feed/symbol_table.hpp"
#include "tradingd/health/health_monitor.hpp"
#include "tradingd/journal/trade_journal.hpp"
#include "tradingd/record/session_input.hpp"
#include "tradingd/record/session_recorder.hpp"
#include "tradingd/sniper/sniper.hpp"

namespace tradingd {

class Clock;
class ManualClock;
class ControlApi;
class JournalIdHistory;
class SessionReader;
class SystemdNotifier;

struct RecoverySummary {
  double balance = 0.0;
  bool balance_from_journal = false;
  std::size_t positions = 0;
  std::size_t conditions = 0;
  std::size_t expired_while_down = 0;
};

// What a session replay (design.md §11) did.
struct SessionReplayResult {
  std::uint64_t inputs = 0;  // applied
  std::uint64_t lost = 0;    // inputs the recording lost (its gaps)
  std::uint64_t gaps = 0;
  std::uint64_t unknown_coins = 0;   // ticks and quotes of coins a what-if does not trade
  bool shutdown = false;             // the session ended with a shutdown (else it was killed)
  std::string cut;                   // the dropped cut member's warning, if any
  std::optional<std::string> error;  // a malformed input stopped it there
};

// How a --replay plays (design.md §10, §12).
struct ReplayOptions {
  double rate = 0.0;                    // --replay-rate: rows per second; 0: as `pace` says
  ReplayPace pace = ReplayPace::max();  // --clock
  bool serve_api = false;               // --api: the control API and GET /events while it plays
  std::int64_t shift_ms = 0;            // --shift-time-to: added to every row's time (journaled as TIME_SHIFT)
};

class TradingSystem final : private FeedListener, public ControlTarget {
 public:
  // Live: recovery journals its start-up records (STARTUP, the initial
  // balance, what expired while stopped). SessionReplay: the journal is a
  // recording's base.db, which holds them already: recovery writes nothing.
  enum class Mode { Live, SessionReplay };
  TradingSystem(boost::asio::io_context& io, const Settings& settings, const Clock& clock, Mode mode = Mode::Live);
  ~TradingSystem();
  TradingSystem(const TradingSystem&) = delete;
  TradingSystem& operator=(const TradingSystem&) = delete;

  ArmOutcome arm_conditions(const ParsedConditions& parsed, std::string_view origin) override;

  // --- test-mode API: the same paths the feed and the control API use ------
  // Arms one validated condition; the broken rule when refused (not journaled:
  // arm_conditions does that for the files and the API).
  // `log`: an "Armed ..." line (a batch logs its first few only).
  std::optional<FieldError> inject_condition(const TradeCondition& condition, bool log = true);
  // False when the coin is not configured (nothing happens then).
  bool inject_price(std::string_view coin, double price, std::int64_t ts_ms);

  // The one entry from any feed into trading: exceptions are logged with the
  // tick and swallowed so the io loop goes on (design.md §8).
  void on_price_tick(CoinId coin, double price, std::int64_t ts_ms) noexcept override;
  void on_frame_begin(std::int64_t received_ms) noexcept override;
  void on_frame_end() noexcept override;
  // Best bid/ask of the driving feed (or a replay row) into the Sniper's quote slot.
  void on_quote(CoinId coin, const Quote& quote) noexcept override;

  // Live service: health timer, SIGINT/SIGTERM and the feeds ([exchange]
  // primary, then the fallback if it stays down). Trading is paused until a
  // feed is live.
  void start_service();
  // --replay: health timer, signals, then `first` and every row after it from
  // `source`, read as they are replayed, with `clock` set to tick time, paced
  // as `options` say; shuts down when done (lockstep: when the strategist
  // finishes it). `first` and `clock` are already shifted by options.shift_ms;
  // the rows after it are shifted as they are read. A bad row stops the
  // replay there: a clean shutdown, then replay_error() says why.
  void start_replay(ReplayMerge source, const ReplayTick& first, ManualClock& clock, ReplayOptions options = {});
  // The bad row that stopped a replay ("file:line: ..."), if one did.
  [[nodiscard]] const std::optional<std::string>& replay_error() const { return replay_error_; }

  // --record (design.md §11): right after construction, before any input: makes
  // the session folder, asks the journal's writer for base.db (everything
  // journaled so far) and starts the recorder thread. From here on every
  // input is recorded with the clock value it was applied at. Throws
  // std::runtime_error (a start-up error) when the folder cannot be made.
  void start_recording(std::size_t queue_capacity = SessionRecorder::default_capacity);
  // --replay-session: applies `reader`'s inputs in order, `clock` set to each
  // one's recorded value, then stops: with the shutdown the session recorded,
  // or none if it was killed. `reader` must outlive the run.
  void start_session_replay(SessionReader& reader, ManualClock& clock);
  [[nodiscard]] const SessionReplayResult& session_result() const { return session_result_; }

  // Before start_service() or start_replay(): tells systemd READY=1 once started,
  // each health line as STATUS= and STOPPING=1 at shutdown; `notifier` keeps
  // the watchdog going from the io thread and must outlive the run.
  void notify_systemd(SystemdNotifier& notifier);
  // A test knob (TRADINGD_TEST_STALL_MS): before start_service(), makes SIGUSR2
  // block the io thread this long, as a hung io thread would.
  void enable_stall_hook(std::chrono::milliseconds stall) { stall_hook_ = stall; }

  // Idempotent; see the class comment. `flushed` (if set) is called once the
  // journal holds everything, before the API stops (POST /clock/finish's answer).
  void shutdown(std::string_view why, std::function<void()> flushed = {});

  [[nodiscard]] const RecoverySummary& recovery() const { return recovery_; }
  [[nodiscard]] const Sniper& sniper() const override { return *sniper_; }
  [[nodiscard]] Sniper& sniper() { return *sniper_; }  // tests and wiring
  [[nodiscard]] const TradeJournal& journal() const override { return *journal_; }
  // The wiring's and the tests' handle (flush); the API sees the const view above.
  [[nodiscard]] TradeJournal& journal() { return *journal_; }
  [[nodiscard]] HealthMonitor& health() { return *health_; }
  [[nodiscard]] const CoinTable& coins() const override { return coins_; }
  [[nodiscard]] const Settings& settings() const override { return settings_; }
  [[nodiscard]] const Clock& clock() const override { return clock_; }
  void set_halted(bool halted) override;
  [[nodiscard]] const FeedSupervisor* feeds() const override { return feeds_.get(); }
  [[nodiscard]] const SessionRecorder* recorder() const override { return recorder_.get(); }
  bool cancel_condition(std::string_view id, std::string_view reason) override;
  bool close_position(std::string_view id) override;
  std::pair<std::size_t, std::size_t> flatten() override;
  [[nodiscard]] std::optional<ReplayClockView> replay_clock() const override;
  std::optional<ClockRefusal> advance_clock(std::int64_t until_ms,
                                            std::function<void(const ClockAdvanced&)> answered) override;
  std::optional<ClockRefusal> finish_clock(std::function<void(const ClockAdvanced&)> answered) override;
  // The once-a-second sweep (design.md §4.1) at the clock's now, recorded.
  void sweep();

 private:
  void recover();
  void install_signals();
  void wait_for_signal();
  void replay_step();
  void start_api();
  // Applies the rows of one step, up to `due` (market time). What stopped it.
  enum class StepEnd : std::uint8_t { Budget, Held, Later, End };
  StepEnd apply_rows(std::int64_t due, std::size_t budget);
  // The run is over: the final sweep at `at_ms`, the report, shutdown.
  void finish_replay(std::int64_t at_ms, std::string_view why, std::function<void()> flushed = {});
  // Lockstep: rows up to the advance's time applied: commit, then answer.
  void complete_advance();
  // Moves spilled journal records into its queue until none is left (a
  // commit_now behind them must reach the writer while the replay is held).
  void pump_journal_until_drained();
  void session_step();
  void apply(const SessionInput& in, std::string_view coin);
  // Ends a session replay that recorded no shutdown: journal flushed, no shutdown actions.
  void finish_session(std::string_view why);
  void journal_refusal(const std::string& subject, const std::string& message, std::string_view origin,
                       std::int64_t now);

  // Holds the clock still for one input and records it, while a session is
  // recorded (otherwise neither): see LatchedClock.
  class InputScope {
   public:
    explicit InputScope(TradingSystem& s) : s_(s), on_(s.recorder_ != nullptr) {
      if (on_) now_ = s_.clock_.latch();
    }
    ~InputScope() {
      if (on_) s_.clock_.release();
    }
    InputScope(const InputScope&) = delete;
    InputScope& operator=(const InputScope&) = delete;
    // Records an input of `kind` with this scope's clock value.
    void record(SessionInput::Kind kind, std::string text = {}) {
      if (!on_ || s_.shut_down_) return;
      SessionInput in;
      in.kind = kind;
      in.now_ms = now_;
      in.text = std::move(text);
      s_.recorder_->record(in);
    }
    [[nodiscard]] bool recording() const { return on_; }
    [[nodiscard]] std::int64_t now() const { return now_; }

   private:
    TradingSystem& s_;
    bool on_;
    std::int64_t now_ = 0;
  };
  // FeedListener: trading runs only while the driving feed is LIVE (design.md §4):
  // not while connecting, disconnected or STALE.
  void on_feed_state(FeedProtocol exchange, FeedLinkState state) override;

  boost::asio::io_context& io_;
  const Settings& settings_;
  LatchedClock clock_;  // the given clock, held still per input while recording
  Mode mode_;
  CoinTable coins_;
  SymbolTable symbols_;
  std::unique_ptr<TradeJournal> journal_;
  std::unique_ptr<JournalIdHistory> ids_;  // io thread; read-only connection to the journal
  std::unique_ptr<Sniper> sniper_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<FeedSupervisor> feeds_;
  std::unique_ptr<ControlApi> api_;
  std::unique_ptr<SessionRecorder> recorder_;  // --record: its thread owns the chunk files
  bool frame_latched_ = false;                 // clock_ held for a feed frame (on_frame_begin)
  boost::asio::signal_set signals_;
  SystemdNotifier* notifier_ = nullptr;  // main()'s, when systemd runs us
  std::chrono::milliseconds stall_hook_{0};
  RecoverySummary recovery_;
  bool accepting_ = true;
  bool shut_down_ = false;
  std::optional<std::pair<FeedProtocol, FeedLinkState>> journaled_feed_;  // the last FEED_STATE event

  // --replay state
  struct Replay {
    Replay(ReplayMerge s, const ReplayTick& first, ManualClock* c, ReplayOptions o)
        : source(std::move(s)),
          pending(first),
          clock(c),
          options(o),
          first_ms(first.ts_ms),
          last_ts(first.ts_ms),
          started(std::chrono::steady_clock::now()) {}
    ReplayMerge source;
    ReplayTick pending;  // read, not yet replayed
    ManualClock* clock = nullptr;
    ReplayOptions options;
    std::size_t rows = 0;        // replayed so far
    std::size_t quote_rows = 0;  // of which carried a bid or ask
    std::int64_t first_ms = 0;   // the first row's time
    std::int64_t last_ts = 0;
    std::int64_t last_sweep_second = INT64_MIN;
    std::chrono::steady_clock::time_point started;
    bool has_pending = true;  // false: the next row is still to be read
    bool exhausted = false;   // every source ended: no row is left
    // Lockstep: the advance being applied, its time and its answer.
    bool advancing = false;
    std::int64_t until_ms = 0;
    std::function<void(const ClockAdvanced&)> answer;
  };
  std::optional<Replay> replay_;
  std::optional<std::string> replay_error_;
  boost::asio::steady_timer replay_timer_;
  boost::asio::steady_timer pump_timer_;  // pump_journal_until_drained()

  // --replay-session state
  SessionReader* session_ = nullptr;
  ManualClock* session_clock_ = nullptr;
  SessionReplayResult session_result_;
};

}  // namespace tradingd
