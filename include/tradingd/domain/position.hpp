#pragma once
// Position: an open paper trade (design.md §4). Its fixed levels are set from
// the entry fill at entry and never move; the best price since entry moves the
// trailing level. Plain data with inline strings, so opening one on the hot
// path needs no heap; the exit rules read it through the inline helpers below.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/fixed_string.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

enum class ExitReason : std::uint8_t { StopLoss, TakeProfit, TrailingStop, TimeLimit, Manual, Shutdown };
[[nodiscard]] std::string_view to_string(ExitReason r);
[[nodiscard]] std::optional<ExitReason> parse_exit_reason(std::string_view s);

// What a fill was priced from (design.md §4.4): the deciding trade, or the best bid / ask.
enum class FillBasis : std::uint8_t { Trade, Bid, Ask };
inline constexpr std::size_t fill_bases = 3;
[[nodiscard]] std::string_view to_string(FillBasis b);
[[nodiscard]] std::optional<FillBasis> parse_fill_basis(std::string_view s);

// The stop a position would close at now: the tighter of the fixed stop-loss
// and an active trail, and which of the two it is.
struct StopLevel {
  double price = 0.0;
  bool trailing = false;  // the trail is strictly tighter than the stop-loss, or there is no stop-loss
};

struct Position {
  TradeId id;
  ConditionId condition_id;
  StrategyId strategy_id;
  CoinId coin = 0;
  Direction direction = Direction::Long;
  double size_usd = 0.0;
  double qty = 0.0;
  double entry_price = 0.0;  // the entry fill `e`
  double entry_mark = 0.0;   // the trade price that decided the entry
  FillBasis entry_fill = FillBasis::Trade;
  std::int64_t entry_ms = 0;
  std::optional<double> stop_loss_price;    // none when stop_loss_pct was 0
  std::optional<double> take_profit_price;  // none when take_profit_pct was 0
  double trailing_stop_pct = 0.0;           // 0: no trail
  double trailing_activation_pct = 0.0;
  std::int64_t max_hold_ms = 0;  // 0: no time limit
  double best_price = 0.0;       // best trade price since entry; starts at the entry fill
  double entry_fee_usd = 0.0;

  [[nodiscard]] bool is_long() const { return direction == Direction::Long; }

  // The rules an open position must meet to be traded on: every price a real
  // price (PriceRule), sizes and fractions as a condition's (design.md §3),
  // times from 1970 to 9999. A position recovered from the journal passes the
  // same rules as one the Sniper opened; the first broken one is returned.
  [[nodiscard]] std::optional<FieldError> validate() const;

  // design.md §4 step 2: LONG best = max(best, p), SHORT best = min(best, p).
  void observe(double price) {
    if (is_long() ? price > best_price : price < best_price) best_price = price;
  }

  // Active once the best price is trailing_activation_pct in favour of the entry.
  [[nodiscard]] bool trail_active() const {
    if (trailing_stop_pct <= 0.0) return false;
    return is_long() ? best_price >= entry_price * (1.0 + trailing_activation_pct)
                     : best_price <= entry_price * (1.0 - trailing_activation_pct);
  }
  [[nodiscard]] std::optional<double> trailing_level() const {
    if (!trail_active()) return std::nullopt;
    return is_long() ? best_price * (1.0 - trailing_stop_pct) : best_price * (1.0 + trailing_stop_pct);
  }

  // LONG the higher of the stop-loss and an active trail, SHORT the lower;
  // `trailing` only when the trail is strictly tighter (a tie is STOP_LOSS).
  [[nodiscard]] std::optional<StopLevel> stop() const {
    const auto trail = trailing_level();
    if (!trail) {
      if (!stop_loss_price) return std::nullopt;
      return StopLevel{*stop_loss_price, false};
    }
    if (!stop_loss_price) return StopLevel{*trail, true};
    const bool tighter = is_long() ? *trail > *stop_loss_price : *trail < *stop_loss_price;
    return tighter ? StopLevel{*trail, true} : StopLevel{*stop_loss_price, false};
  }

  // Epoch ms at which the time limit closes it; none without one.
  [[nodiscard]] std::optional<std::int64_t> time_limit_ms() const {
    if (max_hold_ms <= 0) return std::nullopt;
    return entry_ms + max_hold_ms;
  }

  // The exit rule this trade price meets, in design.md §4's order: stop, then
  // take-profit, then time limit (`ts_ms` is the tick's time). Call observe() first.
  [[nodiscard]] std::optional<ExitReason> exit_on(double price, std::int64_t ts_ms) const {
    if (const auto s = stop(); s && (is_long() ? price <= s->price : price >= s->price))
      return s->trailing ? ExitReason::TrailingStop : ExitReason::StopLoss;
    if (take_profit_price && (is_long() ? price >= *take_profit_price : price <= *take_profit_price))
      return ExitReason::TakeProfit;
    if (const auto limit = time_limit_ms(); limit && ts_ms >= *limit) return ExitReason::TimeLimit;
    return std::nullopt;
  }
};

// The result of closing a position at an exit fill, under design.md §4.4's paper accounting.
struct ClosedTrade {
  double exit_price = 0.0;
  double exit_fee_usd = 0.0;
  double fees_usd = 0.0;  // entry + exit
  double pnl_usd = 0.0;   // gross - fees
};

[[nodiscard]] ClosedTrade settle(const Position& p, double exit_price, double fee_pct);

}  // namespace tradingd
