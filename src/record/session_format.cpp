#include "tradingd/record/session_format.hpp"

#include "tradingd/config/json_text.hpp"
#include "tradingd/domain/time_format.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tradingd {
namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 13> kind_names = {"tick",  "quote",    "arm",    "refuse",  "cancel",
                                                         "close", "halt",     "resume", "flatten", "sweep",
                                                         "feed",  "shutdown", "gap"};

void put_double(double v, std::string& out) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_int(std::int64_t v, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// The next comma-separated field of `rest` (all of it when no comma is left).
std::string_view take(std::string_view& rest) {
  const auto comma = rest.find(',');
  const std::string_view f = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  return f;
}

bool read_int(std::string_view s, std::int64_t& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// A time a live run can have read: 1970 to 9999 (never the int64 edge, which
// the clock arithmetic of a replay would overflow).
bool read_time(std::string_view s, std::int64_t& v) {
  return read_int(s, v) && TimeFormat::in_range(v);
}

// Prices come from decimal text: a recording never holds NaN or an infinity.
bool read_double(std::string_view s, double& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

// An integer field of an arm: nlohmann converts a float (8e36) or an unsigned
// beyond int64 to int64 unchecked (UB for the float: found by the fuzzer), so
// only a JSON integer that fits is taken.
std::int64_t integer_at(const json& o, const char* key) {
  const json& v = o.at(key);
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX))
    throw std::invalid_argument(std::string("an arm's condition: ") + key + " is not an integer in range");
  return v.get<std::int64_t>();
}

std::int64_t time_at(const json& o, const char* key) {
  const std::int64_t v = integer_at(o, key);
  if (!TimeFormat::in_range(v))
    throw std::invalid_argument(std::string("an arm's condition: ") + key + " is not a time in ms from 1970 to 9999");
  return v;
}

}  // namespace

std::string_view to_string(SessionInput::Kind kind) {
  return kind_names[static_cast<std::size_t>(kind)];
}

std::optional<SessionInput::Kind> parse_session_kind(std::string_view s) {
  for (std::size_t i = 0; i < kind_names.size(); ++i)
    if (kind_names[i] == s) return static_cast<SessionInput::Kind>(i);
  return std::nullopt;
}

void SessionFormat::append(const SessionInput& in, const std::vector<std::string>& coin_names, std::string& out) {
  using K = SessionInput::Kind;
  put_int(in.now_ms, out);
  out += ',';
  out += to_string(in.kind);
  switch (in.kind) {
    case K::Tick:
      out += ',';
      out += coin_names[in.coin];
      out += ',';
      put_double(in.a, out);
      out += ',';
      put_int(in.ts_ms, out);
      break;
    case K::Quote:
      out += ',';
      out += coin_names[in.coin];
      out += ',';
      if (in.has_a) put_double(in.a, out);
      out += ',';
      if (in.has_b) put_double(in.b, out);
      out += ',';
      put_int(in.ts_ms, out);
      break;
    case K::Gap:
      out += ',';
      put_int(in.ts_ms, out);
      break;
    case K::Halt:
    case K::Resume:
    case K::Flatten:
    case K::Sweep:
      break;
    default:
      out += ',';
      out += in.text;
      break;
  }
  out += '\n';
}

std::optional<std::string> SessionFormat::parse(std::string_view line, SessionInput& out, std::string_view& coin) {
  using K = SessionInput::Kind;
  std::string_view rest = line;
  if (!read_time(take(rest), out.now_ms)) return "the first field is not a time in ms from 1970 to 9999";
  const std::string_view kind_text = take(rest);
  const auto kind = parse_session_kind(kind_text);
  if (!kind) return "unknown input kind '" + std::string(kind_text.substr(0, 20)) + "'";
  out.kind = *kind;
  out.text.clear();
  out.has_a = out.has_b = false;
  coin = {};
  switch (*kind) {
    case K::Tick: {
      coin = take(rest);
      if (coin.empty()) return "a tick without a coin";
      if (!read_double(take(rest), out.a)) return "a tick's price is not a number";
      if (!read_time(take(rest), out.ts_ms) || !rest.empty()) return "a tick's time is not a time in ms";
      out.has_a = true;
      return std::nullopt;
    }
    case K::Quote: {
      coin = take(rest);
      if (coin.empty()) return "a quote without a coin";
      const auto bid = take(rest), ask = take(rest);
      out.has_a = !bid.empty();
      out.has_b = !ask.empty();
      if (out.has_a && !read_double(bid, out.a)) return "a quote's bid is not a number";
      if (out.has_b && !read_double(ask, out.b)) return "a quote's ask is not a number";
      if (!read_time(take(rest), out.ts_ms) || !rest.empty()) return "a quote's time is not a time in ms";
      return std::nullopt;
    }
    case K::Gap:
      if (!read_int(rest, out.ts_ms) || out.ts_ms < 1) return "a gap without a count of lost inputs";
      return std::nullopt;
    case K::Halt:
    case K::Resume:
    case K::Flatten:
    case K::Sweep:
      if (!rest.empty()) return "'" + std::string(kind_text) + "' takes no fields";
      return std::nullopt;
    default: {
      // The JSON is the rest of the line, commas and all.
      const auto comma = line.find(',', line.find(',') + 1);
      if (comma == std::string_view::npos || comma + 1 >= line.size() || line[comma + 1] != '{')
        return "'" + std::string(kind_text) + "' needs a JSON object";
      out.text.assign(line.substr(comma + 1));
      return std::nullopt;
    }
  }
}

std::string SessionFormat::arm_text(const TradeCondition& c, std::string_view origin) {
  json cj{{"id", c.id},
          {"coin", c.coin},
          {"direction", to_string(c.direction)},
          {"trigger_type", to_string(c.trigger_type)},
          {"trigger_price", c.trigger_price},
          {"stop_loss_pct", c.stop_loss_pct},
          {"take_profit_pct", c.take_profit_pct},
          {"position_size_usd", c.position_size_usd},
          {"strategy_id", c.strategy_id},
          {"reasoning", c.reasoning},
          {"valid_until_ms", c.valid_until_ms},
          {"created_at_ms", c.created_at_ms},
          {"oco_group", c.oco_group}};
  // nlohmann writes doubles with enough digits to read back the same value.
  if (c.trailing_stop_pct) cj["trailing_stop_pct"] = *c.trailing_stop_pct;
  if (c.trailing_activation_pct) cj["trailing_activation_pct"] = *c.trailing_activation_pct;
  if (c.max_hold_ms) cj["max_hold_ms"] = *c.max_hold_ms;
  return json_text(json{{"origin", origin}, {"condition", std::move(cj)}});
}

TradeCondition SessionFormat::parse_arm(std::string_view text, std::string& origin) {
  try {
    const json j = json::parse(text, nullptr, true, false);
    origin = j.at("origin").get<std::string>();
    const json& cj = j.at("condition");
    TradeCondition c;
    c.id = cj.at("id").get<std::string>();
    c.coin = cj.at("coin").get<std::string>();
    const auto dir = parse_direction(cj.at("direction").get<std::string>());
    const auto trig = parse_trigger_type(cj.at("trigger_type").get<std::string>());
    if (!dir || !trig) throw std::invalid_argument("direction or trigger_type unknown");
    c.direction = *dir;
    c.trigger_type = *trig;
    c.trigger_price = cj.at("trigger_price").get<double>();
    c.stop_loss_pct = cj.at("stop_loss_pct").get<double>();
    c.take_profit_pct = cj.at("take_profit_pct").get<double>();
    c.position_size_usd = cj.at("position_size_usd").get<double>();
    c.strategy_id = cj.at("strategy_id").get<std::string>();
    c.reasoning = cj.at("reasoning").get<std::string>();
    c.valid_until_ms = time_at(cj, "valid_until_ms");
    c.created_at_ms = time_at(cj, "created_at_ms");
    c.oco_group = cj.at("oco_group").get<std::string>();
    if (cj.contains("trailing_stop_pct")) c.trailing_stop_pct = cj.at("trailing_stop_pct").get<double>();
    if (cj.contains("trailing_activation_pct"))
      c.trailing_activation_pct = cj.at("trailing_activation_pct").get<double>();
    if (cj.contains("max_hold_ms")) c.max_hold_ms = integer_at(cj, "max_hold_ms");
    return c;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("an arm's condition: ") + e.what());
  }
}

std::string SessionFormat::fields_text(std::initializer_list<std::pair<std::string_view, std::string_view>> f) {
  json j = json::object();
  for (const auto& [k, v] : f) j[std::string(k)] = v;
  return json_text(j);
}

std::map<std::string, std::string> SessionFormat::parse_fields(std::string_view text) {
  try {
    const json j = json::parse(text, nullptr, true, false);
    if (!j.is_object()) throw std::invalid_argument("not a JSON object");
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : j.items()) out[k] = v.get<std::string>();
    return out;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("not an object of strings: ") + e.what());
  }
}

}  // namespace tradingd
