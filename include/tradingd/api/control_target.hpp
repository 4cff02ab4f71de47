#pragma once
// ControlTarget: what the control API may see and do of a running daemon.
// TradingSystem (app/) implements it, so api/ depends on the layers below it
// and on this interface only, never on the wiring above it. Every member is
// for the io thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tradingd/config/condition_parser.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

class Clock;
class CoinTable;
class FeedSupervisor;
class SessionRecorder;
class Sniper;
class TradeJournal;
struct Settings;

// What became of a batch of conditions (a conditions file or one API request).
// A condition sent again with an id already armed and the same terms: not
// armed twice, answered with what was armed (idempotent retries).
struct ExistingCondition {
  TradeCondition condition;
  std::string status;  // ACTIVE, TRIGGERED, ...; "" in the milliseconds before a finish is committed
};

struct ArmOutcome {
  std::vector<std::string> armed;           // ids, in the order given
  std::vector<ExistingCondition> existing;  // retries with the same terms, in the order given
  std::vector<std::string> refused;         // one message per refused condition, naming it and the field
  bool duplicate = false;                   // some refusal was for an id already used with other terms
};

// A replay's clock as GET /clock and /status report it (design.md §12).
struct ReplayClockView {
  std::string mode;                     // "max", "speed:N", "lockstep"
  std::int64_t now_ms = 0;              // replay time: the last applied row's, in lockstep the last advance's T
  std::int64_t first_ms = 0;            // the first row's time
  std::optional<std::int64_t> last_ms;  // the last row's time, once the data is exhausted (sources are streamed)
  bool done = false;                    // no row is left
};

// The answer to a lockstep advance or finish, once the journal committed what
// it caused and /events was handed every event of it.
struct ClockAdvanced {
  std::int64_t now_ms = 0;
  std::int64_t last_event_seq = 0;
  bool done = false;
};

// Why a clock request moves nothing: the HTTP status and the message.
struct ClockRefusal {
  int status = 400;
  std::string message;
};

class ControlTarget {
 public:
  // Read-only: every change goes through the operations below, which the
  // daemon records when it records its session (design.md §11).
  [[nodiscard]] virtual const Sniper& sniper() const = 0;
  [[nodiscard]] virtual const TradeJournal& journal() const = 0;
  [[nodiscard]] virtual const CoinTable& coins() const = 0;
  [[nodiscard]] virtual const Settings& settings() const = 0;
  [[nodiscard]] virtual const Clock& clock() const = 0;
  // nullptr outside service mode.
  [[nodiscard]] virtual const FeedSupervisor* feeds() const = 0;
  // nullptr unless the session is recorded.
  [[nodiscard]] virtual const SessionRecorder* recorder() const = 0;
  // Arms every accepted condition of a batch; every refusal, the parser's and
  // the Sniper's (a duplicate id, shutting down), is journaled as a
  // CONDITION_REFUSED event and logged (the first few of a batch: a burst of
  // refusals cannot flood the log). `origin` labels messages.
  virtual ArmOutcome arm_conditions(const ParsedConditions& parsed, std::string_view origin) = 0;
  // The operator's kill switch: no new entries while halted (exits go on); audited.
  virtual void set_halted(bool halted) = 0;
  // false: no armed condition `id`.
  virtual bool cancel_condition(std::string_view id, std::string_view reason) = 0;
  // A manual close at the coin's exit fill; false: no open position `id` with a price.
  virtual bool close_position(std::string_view id) = 0;
  // Closes every position that has a price (MANUAL); returns {closed, still open}.
  virtual std::pair<std::size_t, std::size_t> flatten() = 0;

  // --- the replay clock (design.md §12) ------------------------------------
  // nullopt in a live run.
  [[nodiscard]] virtual std::optional<ReplayClockView> replay_clock() const = 0;
  // Lockstep: applies every row up to `until_ms` with the sweeps tied to
  // them, sets replay time to it, commits the journal, hands /events what it
  // caused, then calls `answered` (io thread, later). The refusal, with
  // nothing moved, when it cannot: not a lockstep replay, `until_ms` before
  // replay time, another advance still running, the run finished.
  virtual std::optional<ClockRefusal> advance_clock(std::int64_t until_ms,
                                                    std::function<void(const ClockAdvanced&)> answered) = 0;
  // Lockstep: ends the run as a replay ends (no further row; the final sweep
  // at replay time; shutdown actions as configured); `answered` once the
  // journal is flushed (io thread).
  virtual std::optional<ClockRefusal> finish_clock(std::function<void(const ClockAdvanced&)> answered) = 0;

 protected:
  ~ControlTarget() = default;
};

}  // namespace tradingd
