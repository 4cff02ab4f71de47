#pragma once
// Position: an open paper trade with its exit levels fixed at entry (DESIGN §4).
// Plain data with inline strings, so opening one on the hot path needs no heap.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/fixed_string.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

enum class ExitReason : std::uint8_t { StopLoss, TakeProfit, Manual, Shutdown };

[[nodiscard]] std::string_view to_string(ExitReason r);
[[nodiscard]] std::optional<ExitReason> parse_exit_reason(std::string_view s);

struct Position {
  TradeId id;
  ConditionId condition_id;
  StrategyId strategy_id;
  CoinId coin = 0;
  Direction direction = Direction::Long;
  double size_usd = 0.0;
  double qty = 0.0;
  double entry_price = 0.0;
  std::int64_t entry_ms = 0;
  double stop_loss_price = 0.0;
  double take_profit_price = 0.0;
  double entry_fee_usd = 0.0;
};

// The result of closing a position at a price, under DESIGN §4's paper accounting.
struct ClosedTrade {
  double exit_price = 0.0;
  double exit_fee_usd = 0.0;
  double fees_usd = 0.0;  // entry + exit
  double pnl_usd = 0.0;   // gross - fees
};

[[nodiscard]] ClosedTrade settle(const Position& p, double exit_price, double fee_pct);

}  // namespace tradingd
