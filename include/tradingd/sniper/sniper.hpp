#pragma once
// Sniper: the trading state and DESIGN §4's semantics (contract). Armed
// conditions, open positions and the realised balance live here, owned by the
// io thread: every member function must be called on that thread, so nothing
// here takes a lock.
//
// Hot path: on_price_tick() indexes per-coin arrays by CoinId, allocates
// nothing, logs nothing and never blocks; decisions leave as journal records
// built from inline strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/fixed_string.hpp"
#include "tradingd/domain/position.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

class Clock;
class RecordSink;
struct RiskSettings;
struct PaperSettings;

// Why a fired condition was refused, in the order the checks run (DESIGN §4).
enum class RiskReason : std::uint8_t { MaxPositions, MaxPositionPerCoin, MaxExposure, InsufficientBalance };
[[nodiscard]] std::string_view to_string(RiskReason r);

struct SniperCounters {
  std::uint64_t ticks = 0;          // every tick offered, valid or not
  std::uint64_t invalid_ticks = 0;  // dropped: non-finite or non-positive price, unknown coin
  std::uint64_t paused_ticks = 0;   // dropped because trading was paused
  CoinId last_invalid_coin = 0;
  double last_invalid_price = 0.0;
  std::uint64_t triggered = 0;
  std::uint64_t rejected = 0;
  std::uint64_t expired = 0;
  std::uint64_t closed = 0;
};

// An armed condition as the hot path needs it: the numbers first, then the ids
// copied into records when it fires.
struct ArmedCondition {
  double trigger_price = 0.0;
  double position_size_usd = 0.0;
  double stop_loss_pct = 0.0;
  double take_profit_pct = 0.0;
  std::int64_t valid_until_ms = 0;
  TriggerType trigger_type = TriggerType::Above;
  Direction direction = Direction::Long;
  std::uint64_t seq = 0;  // arming order across all coins
  CoinId coin = 0;
  ConditionId id;
  StrategyId strategy_id;
};

class Sniper {
 public:
  Sniper(const CoinTable& coins, const RiskSettings& risk, const PaperSettings& paper, const Clock& clock,
         RecordSink& sink);

  // --- arming and start-up -------------------------------------------------
  // Validates (DESIGN §3 plus id uniqueness over the journal's lifetime), arms,
  // and journals the condition. Returns the broken rule instead when refused.
  std::optional<FieldError> arm(const TradeCondition& condition);
  // Start-up recovery from the journal; writes no records.
  void restore_balance(double balance) { balance_ = balance; }
  void restore_known_id(std::string id) { known_ids_.insert(std::move(id)); }
  void restore_condition(const TradeCondition& condition);  // already journaled as ACTIVE
  void restore_position(const Position& position);          // already journaled as OPEN

  // --- the hot path --------------------------------------------------------
  void on_price_tick(CoinId coin, double price, std::int64_t ts_ms);

  // --- timers and control --------------------------------------------------
  // Expires every armed condition with now_ms > valid_until (the 1-second sweep).
  std::size_t sweep_expired(std::int64_t now_ms);
  bool cancel(std::string_view condition_id, std::string_view reason);
  std::size_t cancel_all(std::string_view reason);
  // Closes at the coin's last valid price; false if unknown id or no price yet.
  bool close_position(std::string_view trade_id, ExitReason reason);
  // Closes every position that has a last price; returns how many stay open.
  std::size_t close_all(ExitReason reason);
  // The feed's verdict: while false, ticks are dropped (counted) and nothing
  // fires or exits on them (DESIGN §4: trading paused while the feed is down).
  void set_trading_enabled(bool enabled) { trading_enabled_ = enabled; }
  // The operator's kill switch (control API): while halted no condition fires
  // (they stay armed, and still expire); exits keep acting.
  void set_entries_halted(bool halted) { entries_halted_ = halted; }

  // --- reading state -------------------------------------------------------
  [[nodiscard]] bool trading_enabled() const { return trading_enabled_; }
  [[nodiscard]] bool entries_halted() const { return entries_halted_; }
  // Whether `id` was ever armed in this journal (ids are never reused).
  [[nodiscard]] bool is_known_id(const std::string& id) const { return known_ids_.count(id) != 0; }
  [[nodiscard]] double balance() const { return balance_; }
  [[nodiscard]] std::size_t open_position_count() const { return open_count_; }
  [[nodiscard]] std::size_t active_condition_count() const { return armed_count_; }
  [[nodiscard]] std::vector<Position> open_positions() const;           // in opening order per coin
  [[nodiscard]] std::vector<ArmedCondition> active_conditions() const;  // in arming order
  [[nodiscard]] std::optional<double> last_price(CoinId coin) const;
  [[nodiscard]] const SniperCounters& counters() const { return counters_; }
  [[nodiscard]] const CoinTable& coins() const { return coins_; }

 private:
  [[nodiscard]] std::optional<RiskReason> risk_check(CoinId coin, double size_usd) const;
  void open_position(CoinId coin, const ArmedCondition& c, double price, std::int64_t ts_ms);
  void close(CoinId coin, std::size_t index, double price, ExitReason reason, std::int64_t ts_ms);
  void finish_condition(const ArmedCondition& c, ConditionStatus status, std::string_view reason, std::int64_t ts_ms);
  void add_armed(CoinId coin, const TradeCondition& condition);
  // Finishes every armed condition that `pred` selects, across coins, in
  // arming order (so the journal lists them as a user armed them).
  template <typename Pred>
  std::size_t finish_where(Pred pred, ConditionStatus status, std::string_view reason, std::int64_t ts_ms);

  const CoinTable& coins_;
  const RiskSettings& risk_;
  const PaperSettings& paper_;
  const Clock& clock_;
  RecordSink& sink_;

  std::vector<std::vector<ArmedCondition>> armed_;  // by CoinId, in arming order
  std::vector<std::vector<Position>> positions_;    // by CoinId, in opening order
  std::vector<double> last_price_;                  // by CoinId; 0 = none yet
  std::unordered_set<std::string> known_ids_;       // arm path only, never per tick
  double balance_;
  std::size_t open_count_ = 0;
  std::size_t armed_count_ = 0;
  std::uint64_t next_seq_ = 0;
  bool trading_enabled_ = true;
  bool entries_halted_ = false;
  SniperCounters counters_;
};

}  // namespace tradingd
