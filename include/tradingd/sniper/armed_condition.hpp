#pragma once
// ArmedCondition: an armed condition as the tick path needs it, the numbers
// first, then the ids copied into records when it fires.

#include <cstdint>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/fixed_string.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

struct ArmedCondition {
  double trigger_price = 0.0;
  double position_size_usd = 0.0;
  double stop_loss_pct = 0.0;    // 0: no stop-loss
  double take_profit_pct = 0.0;  // 0: no take-profit
  double trailing_stop_pct = 0.0;
  double trailing_activation_pct = 0.0;
  std::int64_t max_hold_ms = 0;
  std::int64_t valid_until_ms = 0;
  TriggerType trigger_type = TriggerType::Above;
  Direction direction = Direction::Long;
  std::uint32_t oco = 0;  // OCO group, interned by ArmedBook (0: none); see Sniper::oco_group_name
  std::uint64_t seq = 0;  // arming order across all coins
  CoinId coin = 0;
  ConditionId id;
  StrategyId strategy_id;

  [[nodiscard]] bool fires_at(double price) const {
    return trigger_type == TriggerType::Above ? price >= trigger_price : price <= trigger_price;
  }
  [[nodiscard]] bool expired_at(std::int64_t ts_ms) const { return ts_ms > valid_until_ms; }
};

}  // namespace tradingd
