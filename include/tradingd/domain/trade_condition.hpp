#pragma once
// TradeCondition: an armed, one-shot entry order (design.md §3, contract).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tradingd {

class CoinTable;

enum class Direction : std::uint8_t { Long, Short };
enum class TriggerType : std::uint8_t { Above, Below };
enum class ConditionStatus : std::uint8_t { Active, Triggered, Rejected, Expired, Cancelled };

[[nodiscard]] std::string_view to_string(Direction d);
[[nodiscard]] std::string_view to_string(TriggerType t);
[[nodiscard]] std::string_view to_string(ConditionStatus s);
[[nodiscard]] std::optional<Direction> parse_direction(std::string_view s);
[[nodiscard]] std::optional<TriggerType> parse_trigger_type(std::string_view s);
[[nodiscard]] std::optional<ConditionStatus> parse_condition_status(std::string_view s);

// A rule a condition breaks: which field, and why, in words a user can act on.
struct FieldError {
  std::string field;
  std::string message;
};

struct TradeCondition {
  std::string id;
  std::string coin;
  Direction direction = Direction::Long;
  TriggerType trigger_type = TriggerType::Above;
  double trigger_price = 0.0;
  double stop_loss_pct = 0.0;    // resolved: the config default when the source omitted it
  double take_profit_pct = 0.0;  // resolved, as stop_loss_pct
  double position_size_usd = 0.0;
  std::string strategy_id;
  std::string reasoning;
  std::int64_t valid_until_ms = 0;
  std::int64_t created_at_ms = 0;
  // Exits beyond the fixed levels (design.md §4.2); absent: none. The parser
  // resolves a missing activation to 0 when a trail is set.
  std::optional<double> trailing_stop_pct;
  std::optional<double> trailing_activation_pct;
  std::optional<std::int64_t> max_hold_ms;
  std::string oco_group;  // "" when the condition is in no group (design.md §4.3)

  static constexpr std::size_t max_id_length = 64;
  static constexpr std::size_t max_strategy_length = 64;
  static constexpr std::size_t max_reasoning_length = 1024;
  // About 31 years: entry time plus the limit stays far from overflowing.
  static constexpr std::int64_t max_hold_limit_ms = 1'000'000'000'000;
  // Prices and sizes beyond any market: bounded so quantities stay normal numbers.
  static constexpr double max_amount = 1e12;
  static constexpr double min_position_size_usd = 0.01;

  // Checks every rule of design.md §3 except id uniqueness (the Sniper's and the
  // journal's business); returns the first broken rule. A condition needs at
  // least one exit: a stop-loss, a take-profit, a trail or a time limit.
  [[nodiscard]] std::optional<FieldError> validate(const CoinTable& coins) const;
  // Whether `other` asks for exactly this: every field but created_at_ms (a
  // retried request is stamped anew). Idempotent arming compares with it.
  [[nodiscard]] bool same_terms(const TradeCondition& other) const;
};

}  // namespace tradingd
