#include "tradingd/config/condition_parser.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/input_file.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/text_guard.hpp"
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

// A condition is an object of scalars inside an array: depth 2. The margin is for
// a clear "unknown field" message; a deeper document is refused before nlohmann
// parses or copies it (both recurse once per level).
constexpr std::size_t max_json_depth = 16;

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
  const auto& v = it->get_ref<const std::string&>();
  // Labels and ids reach logs, terminals and the wire: no control characters
  // (free text, the reasoning, may have line breaks and tabs).
  const bool free_text = std::string_view(key) == "reasoning";
  for (const char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && !(free_text && (c == '\n' || c == '\t'))) || c == 0x7F)
      refuse(key, "must not contain control characters");
  }
  return v;
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
      refuse(key, "is out of range (at most 9223372036854775807)");
    return it->get<std::int64_t>();
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (!std::isfinite(v) || v != std::floor(v)) refuse(key, "must be a whole number");
    if (std::fabs(v) > 9e18) refuse(key, "is out of range (at most 9e18)");
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
  const auto in_range = [&](double ms) {
    if (ms < 0 || ms > static_cast<double>(TimeFormat::max_epoch_ms))
      refuse(key, "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z");
    return static_cast<std::int64_t>(ms);
  };
  if (it->is_number_unsigned()) return in_range(static_cast<double>(it->get<std::uint64_t>()));
  if (it->is_number_integer()) return in_range(static_cast<double>(it->get<std::int64_t>()));
  if (it->is_number()) {
    const double v = it->get<double>();
    if (!std::isfinite(v) || v != std::floor(v)) refuse(key, "epoch milliseconds must be a whole number");
    return in_range(v);
  }
  if (it->is_string()) {
    if (auto ms = TimeFormat::parse_iso8601_ms(it->get_ref<const std::string&>()))
      return in_range(static_cast<double>(*ms));
    refuse(key, "must be ISO-8601 UTC such as \"2026-11-26T12:05:00Z\" or epoch milliseconds");
  }
  refuse(key, "must be an ISO-8601 UTC string or epoch milliseconds");
}

TradeCondition read_condition(const json& o, const CoinTable& coins, const RiskSettings& risk, std::int64_t now_ms) {
  if (!o.is_object()) refuse("(condition)", "must be a JSON object");
  for (const auto& [key, value] : o.items()) {
    bool known = false;
    for (auto f : known_fields) known = known || f == key;
    if (!known) refuse(TextGuard::printable(key), "is not a condition field (typo?)");
  }
  TradeCondition c;
  c.id = string_field(o, "id", true);
  c.coin = string_field(o, "coin", true);
  const std::string dir = string_field(o, "direction", true);
  const auto d = parse_direction(dir);
  if (!d) refuse("direction", "must be \"LONG\" or \"SHORT\", got \"" + TextGuard::printable(dir) + "\"");
  c.direction = *d;
  const std::string trig = string_field(o, "trigger_type", true);
  const auto t = parse_trigger_type(trig);
  if (!t) refuse("trigger_type", "must be \"ABOVE\" or \"BELOW\", got \"" + TextGuard::printable(trig) + "\"");
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
    if (it != o.end() && it->is_string())
      label +=
          " (id \"" + TextGuard::printable(it->get_ref<const std::string&>(), TradeCondition::max_id_length) + "\")";
  }
  return label;
}

// Which key of which top-level object comes twice, read again from `text`
// (valid JSON with a repeated key): only on that refusal's path.
std::string name_duplicate_key(std::string_view text) {
  std::vector<std::vector<std::string>> open_objects;  // keys seen, innermost last
  std::size_t objects_at_top = 0;
  std::optional<std::string> found;
  [[maybe_unused]] const json whole = json::parse(text, [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        if (depth <= 1) ++objects_at_top;
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (open_objects.empty()) break;
        auto& keys = open_objects.back();
        if (!found && std::find(keys.begin(), keys.end(), key) != keys.end())
          found = "condition #" + std::to_string(std::max<std::size_t>(objects_at_top, 1)) + " has the key \"" +
                  TextGuard::printable(key, 64) + "\" twice";
        keys.push_back(key);
        break;
      }
      default:
        break;
    }
    return true;
  });
  return found.value_or("a key is given twice");
}

}  // namespace

ParsedConditions ConditionParser::parse_text(std::string_view text, std::string_view source,
                                             std::int64_t now_ms) const {
  const std::string where(source);
  if (const auto bad = TextGuard::invalid_utf8_at(text))
    throw ConfigError({where + ":" + std::to_string(TextGuard::line_of(text, *bad)) + ": not UTF-8 (byte " +
                       std::to_string(*bad + 1) + ")"});
  if (TextGuard::json_depth(text, max_json_depth) > max_json_depth)
    throw ConfigError({where + ": JSON nests deeper than " + std::to_string(max_json_depth) +
                       " levels; conditions are an array of flat objects"});
  json doc;
  std::string last_key;  // names the field a syntax error is in, e.g. a number that overflows (1e309)
  // How many keys each object being read has had, innermost last: an object
  // that ends with fewer members than keys had a key twice (nlohmann keeps the
  // last, so "LONG" then "SHORT" would arm SHORT). Counting, not collecting the
  // keys, keeps the parse free of a copy per key; the key is named afterwards.
  std::vector<std::size_t> keys_in_open;
  bool duplicate = false;
  try {
    doc = json::parse(text, [&](int, json::parse_event_t event, json& parsed) {
      switch (event) {
        case json::parse_event_t::object_start:
          keys_in_open.push_back(0);
          break;
        case json::parse_event_t::object_end:
          if (!keys_in_open.empty()) {
            if (parsed.size() != keys_in_open.back()) duplicate = true;
            keys_in_open.pop_back();
          }
          break;
        case json::parse_event_t::key:
          last_key = parsed.get_ref<const std::string&>();
          if (!keys_in_open.empty()) ++keys_in_open.back();
          break;
        default:
          break;
      }
      return true;
    });
  } catch (const json::exception& e) {
    // A syntax error knows its byte; a number too large for a double (1e309,
    // out_of_range) knows only the field it came after.
    const auto* syntax = dynamic_cast<const json::parse_error*>(&e);
    const std::string line =
        syntax ? ":" + std::to_string(TextGuard::line_of(text, syntax->byte > 0 ? syntax->byte - 1 : 0)) : "";
    const std::string field = last_key.empty() ? "" : " (after field \"" + TextGuard::printable(last_key, 64) + "\")";
    throw ConfigError({where + line + ": not valid JSON" + field + ": " + TextGuard::printable(e.what(), 200)});
  }
  // Refused whole: which of the two values was meant cannot be known.
  if (duplicate) throw ConfigError({where + ": " + name_duplicate_key(text) + "; refusing the whole document"});
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
  return parse_text(InputFile::read(path, InputFile::max_conditions_bytes, "conditions file"), path.string(), now_ms);
}

}  // namespace tradingd
