#include "tradingd/domain/trade_condition.hpp"

#include <tuple>

#include <cmath>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/price_rule.hpp"
#include "tradingd/domain/text_guard.hpp"

namespace tradingd {

std::string_view to_string(Direction d) {
  return d == Direction::Long ? "LONG" : "SHORT";
}
std::string_view to_string(TriggerType t) {
  return t == TriggerType::Above ? "ABOVE" : "BELOW";
}

std::string_view to_string(ConditionStatus s) {
  switch (s) {
    case ConditionStatus::Active:
      return "ACTIVE";
    case ConditionStatus::Triggered:
      return "TRIGGERED";
    case ConditionStatus::Rejected:
      return "REJECTED";
    case ConditionStatus::Expired:
      return "EXPIRED";
    case ConditionStatus::Cancelled:
      return "CANCELLED";
  }
  return "?";
}

std::optional<Direction> parse_direction(std::string_view s) {
  if (s == "LONG") return Direction::Long;
  if (s == "SHORT") return Direction::Short;
  return std::nullopt;
}

std::optional<TriggerType> parse_trigger_type(std::string_view s) {
  if (s == "ABOVE") return TriggerType::Above;
  if (s == "BELOW") return TriggerType::Below;
  return std::nullopt;
}

std::optional<ConditionStatus> parse_condition_status(std::string_view s) {
  for (auto st : {ConditionStatus::Active, ConditionStatus::Triggered, ConditionStatus::Rejected,
                  ConditionStatus::Expired, ConditionStatus::Cancelled})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

namespace {

bool id_char_ok(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

bool open_fraction(double x) {
  return std::isfinite(x) && x > 0.0 && x < 1.0;
}
// 0 is allowed: "no such level" for stop-loss and take-profit, "from entry" for the activation.
bool fraction_or_zero(double x) {
  return std::isfinite(x) && x >= 0.0 && x < 1.0;
}

std::optional<FieldError> check_name(std::string_view field, std::string_view value) {
  if (value.empty() || value.size() > TradeCondition::max_id_length)
    return FieldError{std::string(field), "must be 1-64 characters"};
  for (char c : value)
    if (!id_char_ok(c)) return FieldError{std::string(field), "may contain only A-Z a-z 0-9 . _ : -"};
  return std::nullopt;
}

}  // namespace

std::optional<FieldError> TradeCondition::validate(const CoinTable& coins) const {
  if (auto err = check_name("id", id)) return err;
  if (!coins.find(coin))
    return FieldError{"coin", "'" + TextGuard::printable(coin, 16) + "' is not one of the configured [trading] coins"};
  if (!PriceRule::real(trigger_price)) return FieldError{"trigger_price", std::string("must be ") + PriceRule::words};
  if (!fraction_or_zero(stop_loss_pct))
    return FieldError{"stop_loss_pct", "must be at least 0 (no stop-loss) and below 1"};
  if (!fraction_or_zero(take_profit_pct))
    return FieldError{"take_profit_pct", "must be at least 0 (no take-profit) and below 1"};
  // A cent at least: a smaller size (or a subnormal one, 1e-310) buys a quantity
  // that rounds to nothing and books a position no exchange would fill.
  if (!std::isfinite(position_size_usd) || position_size_usd < min_position_size_usd || position_size_usd > max_amount)
    return FieldError{"position_size_usd", "must be at least 0.01 and at most 1e12"};
  // Characters, not bytes, as the OpenAPI contract's maxLength counts them.
  if (TextGuard::characters(strategy_id) > max_strategy_length)
    return FieldError{"strategy_id", "must be at most 64 characters"};
  if (TextGuard::characters(reasoning) > max_reasoning_length)
    return FieldError{"reasoning", "must be at most 1024 characters"};
  if (valid_until_ms <= created_at_ms) return FieldError{"valid_until", "must be later than created_at"};
  if (trailing_stop_pct && !open_fraction(*trailing_stop_pct))
    return FieldError{"trailing_stop_pct", "must be between 0 and 1 (exclusive)"};
  if (trailing_activation_pct) {
    if (!trailing_stop_pct) return FieldError{"trailing_activation_pct", "needs trailing_stop_pct"};
    if (!fraction_or_zero(*trailing_activation_pct))
      return FieldError{"trailing_activation_pct", "must be at least 0 and below 1"};
  }
  if (max_hold_ms && (*max_hold_ms <= 0 || *max_hold_ms > max_hold_limit_ms))
    return FieldError{"max_hold_ms", "must be a whole number of milliseconds > 0 and at most 10^12"};
  if (!oco_group.empty())
    if (auto err = check_name("oco_group", oco_group)) return err;
  if (stop_loss_pct == 0.0 && take_profit_pct == 0.0 && !trailing_stop_pct && !max_hold_ms)
    return FieldError{"stop_loss_pct",
                      "is 0, as is take_profit_pct, and there is no trailing_stop_pct or max_hold_ms: a condition "
                      "needs at least one exit"};
  return std::nullopt;
}

bool TradeCondition::same_terms(const TradeCondition& other) const {
  TradeCondition restamped = other;
  restamped.created_at_ms = created_at_ms;
  return std::tie(id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct, position_size_usd,
                  strategy_id, reasoning, valid_until_ms, trailing_stop_pct, trailing_activation_pct, max_hold_ms,
                  oco_group) == std::tie(restamped.id, restamped.coin, restamped.direction, restamped.trigger_type,
                                         restamped.trigger_price, restamped.stop_loss_pct, restamped.take_profit_pct,
                                         restamped.position_size_usd, restamped.strategy_id, restamped.reasoning,
                                         restamped.valid_until_ms, restamped.trailing_stop_pct,
                                         restamped.trailing_activation_pct, restamped.max_hold_ms, restamped.oco_group);
}

}  // namespace tradingd
