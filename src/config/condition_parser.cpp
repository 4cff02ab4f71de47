#include "tradingd/config/condition_parser.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/time_format.hpp"

namespace tradingd {
namespace {

using nlohmann::json;

constexpr std::string_view known_fields[] = {"id",
                                             "coin",
                                             "direction",
                                             "trigger_type",
                                             "trigger_price",
                                             "stop_loss_pct",
                                             "take_profit_pct",
                                             "position_size_usd",
                                             "strategy_id",
                                             "reasoning",
                                             "valid_until",
                                             "created_at",
                                             "trailing_stop_pct",
                                             "trailing_activation_pct",
                                             "max_hold_ms",
                                             "oco_group"};

// Field-level failure while reading one object; caught per condition.
struct Refusal {
  FieldError error;
};

[[noreturn]] void refuse(std::string field, std::string message) {
  throw Refusal{FieldError{std::move(field), std::move(message)}};
}

std::string string_field(const json& o, const char* key, bool required) {
  const auto it = o.find(key);
  if (it == o.end()) {
    if (required) refuse(key, "is required");
    return {};
  }
  if (!it->is_string()) refuse(key, "must be a string");
  return it->get<std::string>();
}

std::optional<double> number_field(const json& o, const char* key, bool required) {
  const auto it = o.find(key);
  if (it == o.end()) {
    if (required) refuse(key, "is required");
    return std::nullopt;
  }
  if (!it->is_number()) refuse(key, "must be a number");
  return it->get<double>();
}

// A whole number (1000 or 1e3), within int64.
std::optional<std::int64_t> integer_field(const json& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      refuse(key, "is too large");
    return it->get<std::int64_t>();
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9e18) refuse(key, "must be a whole number");
    return static_cast<std::int64_t>(v);
  }
  refuse(key, "must be a whole number");
}

// ISO-8601 UTC text or epoch milliseconds.
std::optional<std::int64_t> time_field(const json& o, const char* key, bool required) {
  const auto it = o.find(key);
  if (it == o.end()) {
    if (required) refuse(key, "is required");
    return std::nullopt;
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number()) {
    const double v = it->get<double>();
    if (!std::isfinite(v) || v != std::floor(v)) refuse(key, "epoch milliseconds must be a whole number");
    return static_cast<std::int64_t>(v);
  }
  if (it->is_string()) {
    if (auto ms = TimeFormat::parse_iso8601_ms(it->get<std::string>())) return ms;
    refuse(key, "must be ISO-8601 UTC such as \"2026-11-26T12:05:00Z\" or epoch milliseconds");
  }
  refuse(key, "must be an ISO-8601 UTC string or epoch milliseconds");
}

TradeCondition read_condition(const json& o, const CoinTable& coins, const RiskSettings& risk, std::int64_t now_ms) {
  if (!o.is_object()) refuse("(condition)", "must be a JSON object");
  for (const auto& [key, value] : o.items()) {
    bool known = false;
    for (auto f : known_fields) known = known || f == key;
    if (!known) refuse(key, "is not a condition field (typo?)");
  }
  TradeCondition c;
  c.id = string_field(o, "id", true);
  c.coin = string_field(o, "coin", true);
  const std::string dir = string_field(o, "direction", true);
  const auto d = parse_direction(dir);
  if (!d) refuse("direction", "must be \"LONG\" or \"SHORT\", got \"" + dir + "\"");
  c.direction = *d;
  const std::string trig = string_field(o, "trigger_type", true);
  const auto t = parse_trigger_type(trig);
  if (!t) refuse("trigger_type", "must be \"ABOVE\" or \"BELOW\", got \"" + trig + "\"");
  c.trigger_type = *t;
  c.trigger_price = *number_field(o, "trigger_price", true);
  c.stop_loss_pct = number_field(o, "stop_loss_pct", false).value_or(risk.default_stop_loss_pct);
  c.take_profit_pct = number_field(o, "take_profit_pct", false).value_or(risk.default_take_profit_pct);
  c.position_size_usd = *number_field(o, "position_size_usd", true);
  c.strategy_id = string_field(o, "strategy_id", false);
  c.reasoning = string_field(o, "reasoning", false);
  c.valid_until_ms = *time_field(o, "valid_until", true);
  c.created_at_ms = time_field(o, "created_at", false).value_or(now_ms);
  c.trailing_stop_pct = number_field(o, "trailing_stop_pct", false);
  c.trailing_activation_pct = number_field(o, "trailing_activation_pct", false);
  if (c.trailing_stop_pct && !c.trailing_activation_pct) c.trailing_activation_pct = 0.0;  // active from entry
  c.max_hold_ms = integer_field(o, "max_hold_ms");
  c.oco_group = string_field(o, "oco_group", false);
  if (o.contains("oco_group") && c.oco_group.empty()) refuse("oco_group", "must be 1-64 characters");
  if (auto err = c.validate(coins)) throw Refusal{*err};
  return c;
}

std::string describe(std::string_view source, std::size_t index, const json& o) {
  std::string label = std::string(source) + ": condition #" + std::to_string(index + 1);
  if (o.is_object()) {
    const auto it = o.find("id");
    if (it != o.end() && it->is_string()) label += " (id \"" + it->get<std::string>().substr(0, 80) + "\")";
  }
  return label;
}

}  // namespace

ParsedConditions ConditionParser::parse_text(std::string_view text, std::string_view source,
                                             std::int64_t now_ms) const {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ConfigError({std::string(source) + ": not valid JSON: " + e.what()});
  }
  if (doc.is_object()) doc = json::array({doc});  // one condition on its own is accepted too
  if (!doc.is_array()) throw ConfigError({std::string(source) + ": expected a JSON array of conditions"});

  ParsedConditions out;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    try {
      out.accepted.push_back(read_condition(doc[i], coins_, risk_, now_ms));
    } catch (const Refusal& r) {
      out.refused.push_back(describe(source, i, doc[i]) + " refused: " + r.error.field + ": " + r.error.message);
    }
  }
  return out;
}

ParsedConditions ConditionParser::parse_file(const std::filesystem::path& path, std::int64_t now_ms) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path.string() + ": cannot open conditions file"});
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_text(buf.str(), path.string(), now_ms);
}

}  // namespace tradingd
