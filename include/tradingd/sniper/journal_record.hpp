#pragma once
// JournalRecord: what the io thread hands the journal writer, by value. Each
// record is self-contained (the writer never reaches back into trading state)
// and maps to the rows of one logical change, written in one transaction.
// Records made on the hot path (a condition firing, a position closing) hold
// only inline strings, so building one does not allocate.

#include <cstdint>
#include <string>
#include <variant>

#include "tradingd/domain/fixed_string.hpp"
#include "tradingd/domain/position.hpp"
#include "tradingd/domain/trade_condition.hpp"
#include "tradingd/sniper/event_kind.hpp"

namespace tradingd {

// Long enough for "oco:" and a 64-character condition id.
using ReasonText = FixedString<80>;

// A condition was armed: one new `conditions` row (ACTIVE) and an event.
struct ConditionArmed {
  TradeCondition condition;
  std::int64_t ts_ms = 0;
};

// A condition left ACTIVE without opening a position: EXPIRED, REJECTED (with
// the risk reason) or CANCELLED.
struct ConditionFinished {
  ConditionId id;
  ConditionStatus status = ConditionStatus::Expired;
  ReasonText reason;
  std::int64_t ts_ms = 0;
  StrategyId strategy_id;  // the condition's, for its event
};

// A condition fired and opened a position: the condition becomes TRIGGERED and
// the `trades` row is inserted, in the same transaction.
struct PositionOpened {
  Position position;
  CoinName coin;
  std::int64_t ts_ms = 0;
};

// A position closed: the `trades` row is completed and the `balance` row it
// caused is appended, in the same transaction.
struct PositionClosed {
  TradeId trade_id;
  CoinName coin;
  ExitReason reason = ExitReason::StopLoss;
  double exit_price = 0.0;  // the exit fill `x`
  double exit_mark = 0.0;   // the trade price that decided the exit
  FillBasis exit_fill = FillBasis::Trade;
  double best_price = 0.0;  // the best price since entry, persisted with the close (design.md §4.2)
  std::int64_t exit_ms = 0;
  double fees_usd = 0.0;
  double pnl_usd = 0.0;
  double balance_after = 0.0;
  StrategyId strategy_id;  // the position's, for its event
};

// An open position's best price improved (design.md §4.2): at most once a second
// per position, and at shutdown, so a restart resumes its trail from here.
// Updates the `trades` row only; no event (it is not a decision).
struct BestPriceUpdate {
  TradeId trade_id;
  double best_price = 0.0;
  std::int64_t ts_ms = 0;
};

// A balance row not caused by a trade (the INITIAL one on an empty journal),
// and its BALANCE_SET event.
struct BalanceSet {
  double balance = 0.0;
  ReasonText reason;
  std::int64_t ts_ms = 0;
};

// An audit event with no state change (start-up, shutdown, refused input).
struct AuditEvent {
  EventKind kind = EventKind::Startup;
  std::string ref_id;
  std::string detail_json;  // a JSON object, already serialised
  std::int64_t ts_ms = 0;
};

using JournalRecord = std::variant<ConditionArmed, ConditionFinished, PositionOpened, PositionClosed, BestPriceUpdate,
                                   BalanceSet, AuditEvent>;

}  // namespace tradingd
