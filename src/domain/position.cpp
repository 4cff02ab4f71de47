#include "tradingd/domain/position.hpp"

#include <cmath>
#include <string>

#include "tradingd/domain/price_rule.hpp"
#include "tradingd/domain/time_format.hpp"

namespace tradingd {

std::optional<FieldError> Position::validate() const {
  const auto price = [](const char* field, double v) -> std::optional<FieldError> {
    if (PriceRule::real(v)) return std::nullopt;
    return FieldError{field, std::string("must be ") + PriceRule::words};
  };
  if (auto e = price("entry_price", entry_price)) return e;
  if (auto e = price("entry_mark", entry_mark)) return e;
  if (auto e = price("best_price", best_price)) return e;
  if (stop_loss_price)
    if (auto e = price("stop_loss_price", *stop_loss_price)) return e;
  if (take_profit_price)
    if (auto e = price("take_profit_price", *take_profit_price)) return e;
  if (!(size_usd >= TradeCondition::min_position_size_usd && size_usd <= TradeCondition::max_amount))
    return FieldError{"size_usd", "must be at least 0.01 and at most 1e12"};
  if (!(std::isfinite(qty) && qty > 0.0)) return FieldError{"qty", "must be a finite number > 0"};
  if (!(std::isfinite(entry_fee_usd) && entry_fee_usd >= 0.0))
    return FieldError{"fees_usd", "must be a finite number >= 0"};
  if (!(trailing_stop_pct >= 0.0 && trailing_stop_pct < 1.0))
    return FieldError{"trailing_stop_pct", "must be between 0 and 1 (exclusive)"};
  if (!(trailing_activation_pct >= 0.0 && trailing_activation_pct < 1.0))
    return FieldError{"trailing_activation_pct", "must be at least 0 and below 1"};
  if (max_hold_ms < 0 || max_hold_ms > TradeCondition::max_hold_limit_ms)
    return FieldError{"max_hold_ms", "must be a whole number of milliseconds from 0 to 10^12"};
  if (!TimeFormat::in_range(entry_ms))
    return FieldError{"entry_ms", "must be a time from 1970 to 9999 in epoch milliseconds"};
  return std::nullopt;
}

std::string_view to_string(ExitReason r) {
  switch (r) {
    case ExitReason::StopLoss:
      return "STOP_LOSS";
    case ExitReason::TakeProfit:
      return "TAKE_PROFIT";
    case ExitReason::TrailingStop:
      return "TRAILING_STOP";
    case ExitReason::TimeLimit:
      return "TIME_LIMIT";
    case ExitReason::Manual:
      return "MANUAL";
    case ExitReason::Shutdown:
      return "SHUTDOWN";
  }
  return "?";
}

std::optional<ExitReason> parse_exit_reason(std::string_view s) {
  for (auto r : {ExitReason::StopLoss, ExitReason::TakeProfit, ExitReason::TrailingStop, ExitReason::TimeLimit,
                 ExitReason::Manual, ExitReason::Shutdown})
    if (to_string(r) == s) return r;
  return std::nullopt;
}

std::string_view to_string(FillBasis b) {
  switch (b) {
    case FillBasis::Trade:
      return "trade";
    case FillBasis::Bid:
      return "bid";
    case FillBasis::Ask:
      return "ask";
  }
  return "?";
}

std::optional<FillBasis> parse_fill_basis(std::string_view s) {
  for (auto b : {FillBasis::Trade, FillBasis::Bid, FillBasis::Ask})
    if (to_string(b) == s) return b;
  return std::nullopt;
}

ClosedTrade settle(const Position& p, double exit_price, double fee_pct) {
  ClosedTrade c;
  c.exit_price = exit_price;
  c.exit_fee_usd = p.qty * exit_price * fee_pct;
  c.fees_usd = p.entry_fee_usd + c.exit_fee_usd;
  const double gross =
      p.direction == Direction::Long ? p.qty * (exit_price - p.entry_price) : p.qty * (p.entry_price - exit_price);
  c.pnl_usd = gross - p.entry_fee_usd - c.exit_fee_usd;
  return c;
}

}  // namespace tradingd
