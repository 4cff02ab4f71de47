#include "tradingd/config/condition_parser.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
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

// One field's value as the JSON text gave it. Numbers keep nlohmann's three
// kinds (a non-negative whole number that fits is unsigned, a negative one
// integer, anything else float), so each rule reads them as the DOM did.
struct FieldValue {
  enum class Kind : std::uint8_t { Absent, String, Unsigned, Integer, Float, Other };
  Kind kind = Kind::Absent;  // Other: null, true/false, an object or an array
  std::string text;
  std::uint64_t u = 0;
  std::int64_t i = 0;
  double d = 0.0;

  [[nodiscard]] bool present() const { return kind != Kind::Absent; }
  [[nodiscard]] bool is_number() const {
    return kind == Kind::Unsigned || kind == Kind::Integer || kind == Kind::Float;
  }
  [[nodiscard]] double as_double() const {
    return kind == Kind::Unsigned ? static_cast<double>(u) : kind == Kind::Integer ? static_cast<double>(i) : d;
  }
};

constexpr std::size_t field_count = std::size(known_fields);

// One condition object, read field by field as the parser goes: no document
// tree is built (nlohmann's DOM of 1,000 conditions was a fifth of a replay's
// page faults and most of its parse time).
struct FlatCondition {
  std::array<FieldValue, field_count> fields;
  std::optional<std::string> first_unknown;  // the least unknown key, as a sorted object names it first

  void reset() {
    for (auto& f : fields) {
      f.kind = FieldValue::Kind::Absent;
      f.text.clear();
    }
    first_unknown.reset();
  }
};

std::optional<std::size_t> field_index(std::string_view key) {
  for (std::size_t i = 0; i < field_count; ++i)
    if (known_fields[i] == key) return i;
  return std::nullopt;
}

enum Field : std::size_t {
  f_id,
  f_coin,
  f_direction,
  f_trigger_type,
  f_trigger_price,
  f_stop_loss_pct,
  f_take_profit_pct,
  f_position_size_usd,
  f_strategy_id,
  f_reasoning,
  f_valid_until,
  f_created_at,
  f_trailing_stop_pct,
  f_trailing_activation_pct,
  f_max_hold_ms,
  f_oco_group,
};
// Each Field names its entry in known_fields: a reordered list fails here, not at run time.
static_assert(known_fields[f_id] == "id" && known_fields[f_coin] == "coin" &&
              known_fields[f_direction] == "direction" && known_fields[f_trigger_type] == "trigger_type" &&
              known_fields[f_trigger_price] == "trigger_price" && known_fields[f_stop_loss_pct] == "stop_loss_pct" &&
              known_fields[f_take_profit_pct] == "take_profit_pct" &&
              known_fields[f_position_size_usd] == "position_size_usd" &&
              known_fields[f_strategy_id] == "strategy_id" && known_fields[f_reasoning] == "reasoning" &&
              known_fields[f_valid_until] == "valid_until" && known_fields[f_created_at] == "created_at" &&
              known_fields[f_trailing_stop_pct] == "trailing_stop_pct" &&
              known_fields[f_trailing_activation_pct] == "trailing_activation_pct" &&
              known_fields[f_max_hold_ms] == "max_hold_ms" && known_fields[f_oco_group] == "oco_group" &&
              f_oco_group + 1 == field_count);

std::string string_field(const FlatCondition& o, Field field, bool required) {
  const char* key = known_fields[field].data();
  const FieldValue& v = o.fields[field];
  if (!v.present()) {
    if (required) refuse(key, "is required");
    return {};
  }
  if (v.kind != FieldValue::Kind::String) refuse(key, "must be a string");
  // Labels and ids reach logs, terminals and the wire: no control characters
  // (free text, the reasoning, may have line breaks and tabs).
  const bool free_text = field == f_reasoning;
  for (const char ch : v.text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && !(free_text && (c == '\n' || c == '\t'))) || c == 0x7F)
      refuse(key, "must not contain control characters");
  }
  return v.text;
}

std::optional<double> number_field(const FlatCondition& o, Field field, bool required) {
  const char* key = known_fields[field].data();
  const FieldValue& v = o.fields[field];
  if (!v.present()) {
    if (required) refuse(key, "is required");
    return std::nullopt;
  }
  if (!v.is_number()) refuse(key, "must be a number");
  return v.as_double();
}

// A whole number (1000 or 1e3), within int64.
std::optional<std::int64_t> integer_field(const FlatCondition& o, Field field) {
  const char* key = known_fields[field].data();
  const FieldValue& v = o.fields[field];
  switch (v.kind) {
    case FieldValue::Kind::Absent:
      return std::nullopt;
    case FieldValue::Kind::Unsigned:
      if (v.u > static_cast<std::uint64_t>(INT64_MAX)) refuse(key, "is out of range (at most 9223372036854775807)");
      return static_cast<std::int64_t>(v.u);
    case FieldValue::Kind::Integer:
      return v.i;
    case FieldValue::Kind::Float:
      if (!std::isfinite(v.d) || v.d != std::floor(v.d)) refuse(key, "must be a whole number");
      if (std::fabs(v.d) > 9e18) refuse(key, "is out of range (at most 9e18)");
      return static_cast<std::int64_t>(v.d);
    default:
      refuse(key, "must be a whole number");
  }
}

// ISO-8601 UTC text or epoch milliseconds.
std::optional<std::int64_t> time_field(const FlatCondition& o, Field field, bool required) {
  const char* key = known_fields[field].data();
  const FieldValue& v = o.fields[field];
  if (!v.present()) {
    if (required) refuse(key, "is required");
    return std::nullopt;
  }
  const auto in_range = [&](double ms) {
    if (ms < 0 || ms > static_cast<double>(TimeFormat::max_epoch_ms))
      refuse(key, "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z");
    return static_cast<std::int64_t>(ms);
  };
  switch (v.kind) {
    case FieldValue::Kind::Unsigned:
      return in_range(static_cast<double>(v.u));
    case FieldValue::Kind::Integer:
      return in_range(static_cast<double>(v.i));
    case FieldValue::Kind::Float:
      if (!std::isfinite(v.d) || v.d != std::floor(v.d)) refuse(key, "epoch milliseconds must be a whole number");
      return in_range(v.d);
    case FieldValue::Kind::String:
      if (auto ms = TimeFormat::parse_iso8601_ms(v.text)) return in_range(static_cast<double>(*ms));
      refuse(key, "must be ISO-8601 UTC such as \"2026-11-26T12:05:00Z\" or epoch milliseconds");
    default:
      refuse(key, "must be an ISO-8601 UTC string or epoch milliseconds");
  }
}

TradeCondition read_condition(const FlatCondition& o, const CoinTable& coins, const RiskSettings& risk,
                              std::int64_t now_ms) {
  if (o.first_unknown) refuse(TextGuard::printable(*o.first_unknown), "is not a condition field (typo?)");
  TradeCondition c;
  c.id = string_field(o, f_id, true);
  c.coin = string_field(o, f_coin, true);
  const std::string dir = string_field(o, f_direction, true);
  const auto d = parse_direction(dir);
  if (!d) refuse("direction", "must be \"LONG\" or \"SHORT\", got \"" + TextGuard::printable(dir) + "\"");
  c.direction = *d;
  const std::string trig = string_field(o, f_trigger_type, true);
  const auto t = parse_trigger_type(trig);
  if (!t) refuse("trigger_type", "must be \"ABOVE\" or \"BELOW\", got \"" + TextGuard::printable(trig) + "\"");
  c.trigger_type = *t;
  c.trigger_price = *number_field(o, f_trigger_price, true);
  c.stop_loss_pct = number_field(o, f_stop_loss_pct, false).value_or(risk.default_stop_loss_pct);
  c.take_profit_pct = number_field(o, f_take_profit_pct, false).value_or(risk.default_take_profit_pct);
  c.position_size_usd = *number_field(o, f_position_size_usd, true);
  c.strategy_id = string_field(o, f_strategy_id, false);
  c.reasoning = string_field(o, f_reasoning, false);
  c.valid_until_ms = *time_field(o, f_valid_until, true);
  c.created_at_ms = time_field(o, f_created_at, false).value_or(now_ms);
  c.trailing_stop_pct = number_field(o, f_trailing_stop_pct, false);
  c.trailing_activation_pct = number_field(o, f_trailing_activation_pct, false);
  if (c.trailing_stop_pct && !c.trailing_activation_pct) c.trailing_activation_pct = 0.0;  // active from entry
  c.max_hold_ms = integer_field(o, f_max_hold_ms);
  c.oco_group = string_field(o, f_oco_group, false);
  if (o.fields[f_oco_group].present() && c.oco_group.empty()) refuse("oco_group", "must be 1-64 characters");
  if (auto err = c.validate(coins)) throw Refusal{*err};
  return c;
}

// "c.json: condition #3 (id "x")": the id only when it is a string.
std::string describe(std::string_view source, std::size_t index, const std::string* id) {
  std::string label = std::string(source) + ": condition #" + std::to_string(index + 1);
  if (id) label += " (id \"" + TextGuard::printable(*id, TradeCondition::max_id_length) + "\")";
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

// nlohmann's SAX interface over a conditions document: an array of condition
// objects (or one object on its own). Each condition is read into a
// FlatCondition and judged as its object closes; anything nested inside one is
// only a value of the wrong kind, skipped but still checked for repeated keys.
// Whole-document faults (a syntax error, a key given twice, a document that is
// no array) are noted here and thrown by parse_text, which then drops `out`.
class ConditionReader {
 public:
  ConditionReader(std::string_view source, const CoinTable& coins, const RiskSettings& risk, std::int64_t now_ms,
                  ParsedConditions& out)
      : source_(source), coins_(coins), risk_(risk), now_ms_(now_ms), out_(out) {}

  enum class Top : std::uint8_t { Nothing, Array, Object, Scalar };
  Top top = Top::Nothing;
  bool duplicate = false;
  std::string last_key;                   // names the field a syntax error is in, e.g. a number that overflows (1e309)
  std::optional<std::string> error;       // nlohmann's message
  std::optional<std::size_t> error_byte;  // a syntax error's byte (1-based); none for a number out of range

  bool null() { return scalar(FieldValue::Kind::Other); }
  bool boolean(bool) { return scalar(FieldValue::Kind::Other); }
  bool number_integer(json::number_integer_t v) {
    if (FieldValue* f = direct_value()) f->i = v;
    return scalar(FieldValue::Kind::Integer);
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (FieldValue* f = direct_value()) f->u = v;
    return scalar(FieldValue::Kind::Unsigned);
  }
  bool number_float(json::number_float_t v, const json::string_t&) {
    if (FieldValue* f = direct_value()) f->d = v;
    return scalar(FieldValue::Kind::Float);
  }
  bool string(json::string_t& v) {
    if (FieldValue* f = direct_value()) f->text = v;
    return scalar(FieldValue::Kind::String);
  }
  bool binary(json::binary_t&) { return scalar(FieldValue::Kind::Other); }

  bool start_object(std::size_t) {
    if (depth_ == 0) {
      top = Top::Object;
      begin_condition(1);
    } else if (top == Top::Array && depth_ == 1) {
      begin_condition(2);
    } else {
      container_value();
      nested_keys_.emplace_back();
    }
    ++depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) {
      top = Top::Array;
    } else if (top == Top::Array && depth_ == 1) {
      not_an_object();
    } else {
      container_value();
    }
    ++depth_;
    return true;
  }
  bool end_object() {
    --depth_;
    if (in_condition_ && depth_ + 1 == condition_depth_) {
      finish_condition();
    } else if (!nested_keys_.empty()) {
      nested_keys_.pop_back();
    }
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool key(json::string_t& k) {
    last_key = k;
    if (in_condition_ && depth_ == condition_depth_) {
      if (const auto i = field_index(k)) {
        const auto bit = std::uint32_t{1} << *i;
        if ((seen_ & bit) != 0) duplicate = true;
        seen_ |= bit;
        pending_ = *i;
      } else {
        if (std::find(unknown_.begin(), unknown_.end(), k) != unknown_.end()) duplicate = true;
        unknown_.push_back(k);
        if (!flat_.first_unknown || k < *flat_.first_unknown) flat_.first_unknown = k;
        pending_ = field_count;  // a value for no field
      }
    } else if (!nested_keys_.empty()) {
      auto& keys = nested_keys_.back();
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) duplicate = true;
      keys.push_back(k);
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error = e.what();
    if (const auto* syntax = dynamic_cast<const json::parse_error*>(&e)) error_byte = syntax->byte;
    return false;
  }

 private:
  void begin_condition(std::size_t depth) {
    in_condition_ = true;
    condition_depth_ = depth;
    flat_.reset();
    seen_ = 0;
    unknown_.clear();
    pending_ = field_count;
  }
  void finish_condition() {
    in_condition_ = false;
    const std::size_t index = count_++;
    try {
      out_.accepted.push_back(read_condition(flat_, coins_, risk_, now_ms_));
    } catch (const Refusal& r) {
      const FieldValue& id = flat_.fields[f_id];
      out_.refused.push_back(describe(source_, index, id.kind == FieldValue::Kind::String ? &id.text : nullptr) +
                             " refused: " + r.error.field + ": " + r.error.message);
    }
  }
  // An element of the top-level array that is no object.
  void not_an_object() {
    const std::size_t index = count_++;
    out_.refused.push_back(describe(source_, index, nullptr) + " refused: (condition): must be a JSON object");
  }
  // The field a value directly inside the condition being read belongs to.
  FieldValue* direct_value() {
    if (!in_condition_ || depth_ != condition_depth_ || pending_ == field_count) return nullptr;
    return &flat_.fields[pending_];
  }
  bool scalar(FieldValue::Kind kind) {
    if (depth_ == 0) {
      top = Top::Scalar;
    } else if (top == Top::Array && depth_ == 1) {
      not_an_object();
    } else if (FieldValue* f = direct_value()) {
      f->kind = kind;
    }
    return true;
  }
  // An object or array opening as a field's value: the field is of the wrong kind.
  void container_value() {
    if (FieldValue* f = direct_value()) f->kind = FieldValue::Kind::Other;
  }

  std::string_view source_;
  const CoinTable& coins_;
  const RiskSettings& risk_;
  std::int64_t now_ms_;
  ParsedConditions& out_;

  std::size_t depth_ = 0;  // containers open
  bool in_condition_ = false;
  std::size_t condition_depth_ = 0;  // depth_ inside the condition object
  std::size_t count_ = 0;            // elements of the document so far
  FlatCondition flat_;
  std::uint32_t seen_ = 0;                             // known fields given so far, one bit each
  std::vector<std::string> unknown_;                   // unknown keys given so far (rare)
  std::size_t pending_ = field_count;                  // the field the next value is for
  std::vector<std::vector<std::string>> nested_keys_;  // keys of objects inside a condition (rare)
};

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
  ParsedConditions out;
  // Room for as many conditions as the text could hold (each needs over 100
  // bytes for its required fields): reserved, not touched, so growing the
  // vector neither copies conditions nor maps their pages twice.
  out.accepted.reserve(std::min<std::size_t>(text.size() / 100 + 1, 1 << 16));
  ConditionReader reader(source, coins_, risk_, now_ms, out);
  if (!json::sax_parse(text, &reader) || reader.error) {
    // A syntax error knows its byte; a number too large for a double (1e309,
    // out_of_range) knows only the field it came after.
    const std::string line =
        reader.error_byte
            ? ":" + std::to_string(TextGuard::line_of(text, *reader.error_byte > 0 ? *reader.error_byte - 1 : 0))
            : "";
    const std::string field =
        reader.last_key.empty() ? "" : " (after field \"" + TextGuard::printable(reader.last_key, 64) + "\")";
    throw ConfigError({where + line + ": not valid JSON" + field + ": " +
                       TextGuard::printable(reader.error.value_or("parse failed"), 200)});
  }
  // Refused whole: which of the two values was meant cannot be known (nlohmann
  // would keep the last, so "LONG" then "SHORT" would arm SHORT).
  if (reader.duplicate) throw ConfigError({where + ": " + name_duplicate_key(text) + "; refusing the whole document"});
  if (reader.top != ConditionReader::Top::Array && reader.top != ConditionReader::Top::Object)
    throw ConfigError({where + ": expected a JSON array of conditions"});
  return out;
}

ParsedConditions ConditionParser::parse_file(const std::filesystem::path& path, std::int64_t now_ms) const {
  return parse_text(InputFile::read(path, InputFile::max_conditions_bytes, "conditions file"), path.string(), now_ms);
}

}  // namespace tradingd
