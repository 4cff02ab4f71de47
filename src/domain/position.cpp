#include "tradingd/domain/position.hpp"

namespace tradingd {

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
