#include "tradingd/config/config_loader.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <sstream>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/feed_url.hpp"
#include "tradingd/config/input_file.hpp"
#include "tradingd/domain/text_guard.hpp"

namespace tradingd {
namespace {

// One problem with the file; line 0 when no line holds it (a missing key).
struct Problem {
  std::size_t line;
  std::string message;
};

// Settings are at most three levels deep ([exchange.bybit] url); anything much
// deeper is an unknown key anyway. Checked before toml++ sees the text, because
// toml++ recurses once per level of a dotted key, a table header or an inline
// value, and a file of nothing but dots would overflow the stack.
constexpr std::size_t max_toml_depth = 16;

// Scans TOML for its deepest nesting: key segments (a.b.c), header segments
// ([a.b.c]), arrays and inline tables, strings and comments skipped. Returns the
// 1-based line where max_toml_depth is first exceeded, or 0.
std::size_t toml_too_deep_at(std::string_view t) {
  struct Open {
    char kind;          // '[' array or '{' inline table
    std::size_t level;  // nesting of the values inside it
  };
  std::vector<Open> stack;
  std::size_t line = 1, level = 0, key_dots = 0;
  bool key = true, header = false, line_start = true;
  const auto deeper = [&](std::size_t l) { return l > max_toml_depth; };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\n') {
      ++line;
      line_start = true;
      if (stack.empty()) {  // a new key/value line or header (a header never spans lines)
        key = true;
        key_dots = 0;
        header = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    const bool at_start = line_start;
    line_start = false;
    if (c == '#') {
      while (i + 1 < t.size() && t[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      const bool multi = t.substr(i, 3) == std::string_view(c == '"' ? "\"\"\"" : "'''");
      const std::string_view close = multi ? t.substr(i, 3) : t.substr(i, 1);
      i += close.size();
      while (i < t.size() && t.substr(i, close.size()) != close) {
        if (t[i] == '\\' && c == '"') ++i;
        if (i < t.size() && t[i] == '\n') ++line;
        ++i;
      }
      i += close.size() - 1;
      continue;
    }
    if (at_start && stack.empty() && c == '[') {  // [table] or [[array.of.tables]]
      header = true;
      key = true;
      key_dots = 0;
      level = 0;
      if (i + 1 < t.size() && t[i + 1] == '[') ++i;
      continue;
    }
    if (key) {
      if (c == '.') {
        if (deeper(level + ++key_dots + 1)) return line;
      } else if (c == ']' && header) {
        header = false;
        key = false;
        level += key_dots + 1;
        if (i + 1 < t.size() && t[i + 1] == ']') ++i;
      } else if (c == '=') {
        key = false;
      } else if (c == '}' && !stack.empty()) {  // an empty inline table
        stack.pop_back();
        key = false;
      }
      continue;
    }
    const std::size_t here = stack.empty() ? level : stack.back().level;
    if (c == '[' || c == '{') {
      const std::size_t inner = (stack.empty() || stack.back().kind == '{') ? here + key_dots + 2 : here + 1;
      if (deeper(inner)) return line;
      stack.push_back(Open{c, inner});
      if (c == '{') {
        key = true;
        key_dots = 0;
      }
    } else if ((c == ']' || c == '}') && !stack.empty()) {
      stack.pop_back();
    } else if (c == ',' && !stack.empty() && stack.back().kind == '{') {
      key = true;
      key_dots = 0;
    }
  }
  return 0;
}

// Reads one TOML table against a fixed set of keys. Every key it is asked for is
// marked as known; finish() reports the ones nobody asked for. Errors are
// collected, never thrown, so one run reports everything wrong with the file.
// The numbers a setting allows, each end named as included or not:
// Interval::open_closed(0, 1) is (0, 1].
struct Interval {
  enum class End : std::uint8_t { Included, Excluded };
  double lo = 0;
  End lo_end = End::Included;
  double hi = 0;
  End hi_end = End::Included;

  static Interval closed(double lo, double hi) { return {lo, End::Included, hi, End::Included}; }
  static Interval closed_open(double lo, double hi) { return {lo, End::Included, hi, End::Excluded}; }
  static Interval open_closed(double lo, double hi) { return {lo, End::Excluded, hi, End::Included}; }

  [[nodiscard]] bool contains(double v) const {
    return std::isfinite(v) && (lo_end == End::Included ? v >= lo : v > lo) &&
           (hi_end == End::Included ? v <= hi : v < hi);
  }
  [[nodiscard]] std::string text() const {
    return fmt::format("{}{}, {}{}", lo_end == End::Included ? "[" : "(", lo, hi, hi_end == End::Included ? "]" : ")");
  }
};

class SectionReader {
 public:
  SectionReader(const toml::table* table, std::string name, const std::string& file, std::vector<Problem>& errors)
      : table_(table), name_(std::move(name)), file_(file), errors_(errors) {}

  void integer(std::string_view key, std::int64_t& out, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = take(key);
    if (!n) return;
    if (!n->is_integer()) return error(*n, key, "expected an integer, got " + type_name(*n));
    const std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      return error(
          *n, key,
          "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
    out = v;
  }

  void integer(std::string_view key, int& out, int lo, int hi) {
    std::int64_t v = out;
    integer(key, v, lo, hi);
    out = static_cast<int>(v);
  }

  // A number within `allowed`, its ends as it says.
  void number(std::string_view key, double& out, const Interval& allowed) {
    const toml::node* n = take(key);
    if (!n) return;
    double v = 0;
    if (n->is_floating_point())
      v = n->as_floating_point()->get();
    else if (n->is_integer())
      v = static_cast<double>(n->as_integer()->get());
    else
      return error(*n, key, "expected a number, got " + type_name(*n));
    // Shortest round-trip text ({} of a double): 1000.0000001 is shown as it
    // is, not rounded to "1000" beside a bound of 1000.
    if (!allowed.contains(v)) return error(*n, key, fmt::format("must be in {}, got {}", allowed.text(), v));
    out = v;
  }

  void string(std::string_view key, std::string& out, std::initializer_list<std::string_view> allowed = {}) {
    const toml::node* n = take(key);
    if (!n) return;
    if (!n->is_string()) return error(*n, key, "expected a string, got " + type_name(*n));
    std::string v = n->as_string()->get();
    if (allowed.size() != 0) {
      bool found = false;
      std::string list;
      for (auto a : allowed) {
        found = found || a == v;
        list += (list.empty() ? "" : ", ") + ("\"" + std::string(a) + "\"");
      }
      if (!found) return error(*n, key, "must be one of " + list + ", got \"" + TextGuard::printable(v) + "\"");
    }
    out = std::move(v);
  }

  void boolean(std::string_view key, bool& out) {
    const toml::node* n = take(key);
    if (!n) return;
    if (!n->is_boolean()) return error(*n, key, "expected true or false, got " + type_name(*n));
    out = n->as_boolean()->get();
  }

  void string_array(std::string_view key, std::vector<std::string>& out) {
    const toml::node* n = take(key);
    if (!n) return;
    if (!n->is_array()) return error(*n, key, "expected an array of strings, got " + type_name(*n));
    std::vector<std::string> values;
    for (const toml::node& item : *n->as_array()) {
      if (!item.is_string()) return error(item, key, "every element must be a string, got " + type_name(item));
      values.push_back(item.as_string()->get());
    }
    out = std::move(values);
  }

  // A nested table such as [exchange.bybit]; nullptr (and an error if present
  // with the wrong type) when absent.
  const toml::table* table(std::string_view key) {
    const toml::node* n = take(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      error(*n, key, "expected a table, got " + type_name(*n));
      return nullptr;
    }
    return n->as_table();
  }

  void finish() {
    if (!table_) return;
    for (auto&& [k, v] : *table_) {
      if (known_.count(std::string(k.str())) == 0) error(v, TextGuard::printable(k.str()), "unknown key");
    }
  }

  // Reports a problem with a value that passed its type check (cross-field rules).
  void value_error(std::string_view key, const std::string& message) {
    const toml::node* n = table_ ? table_->get(key) : nullptr;
    if (n)
      error(*n, key, message);
    else
      errors_.push_back(Problem{0, file_ + ": " + qualified(key) + ": " + message});
  }

  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  const toml::node* take(std::string_view key) {
    known_.insert(std::string(key));
    return table_ ? table_->get(key) : nullptr;
  }

  [[nodiscard]] std::string qualified(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
  }

  void error(const toml::node& n, std::string_view key, const std::string& message) {
    const auto& src = n.source();
    errors_.push_back(
        Problem{src.begin.line, file_ + ":" + std::to_string(src.begin.line) + ": " + qualified(key) + ": " + message});
  }

  static std::string type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string:
        return "a string";
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a float";
      case toml::node_type::boolean:
        return "a boolean";
      case toml::node_type::array:
        return "an array";
      case toml::node_type::table:
        return "a table";
      default:
        return "a date/time";
    }
  }

  const toml::table* table_;
  std::string name_;
  const std::string& file_;
  std::vector<Problem>& errors_;
  std::set<std::string> known_;
};

bool coin_name_ok(const std::string& c) {
  if (c.empty() || c.size() > 12) return false;
  for (char ch : c)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return false;
  return true;
}

// An exchange URL is checked as the feed will use it, so a bad one stops
// start-up instead of failing every reconnect.
void check_url(SectionReader& r, const std::string& url) {
  std::string why;
  if (!FeedUrl::parse(url, &why)) r.value_error("url", why);
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::filesystem::path& p) {
  if (p.empty() || p.is_absolute()) return p;
  return (base / p).lexically_normal();
}

// The address the control API will bind: an IPv4 or IPv6 literal, as
// boost::asio::ip::make_address takes it ("localhost" is a name, not an address).
bool ip_literal(const std::string& s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// [exchange]: which exchange drives, the fallback, and each one's URL.
void read_exchange(SectionReader& r, Settings& s, const std::string& file, std::vector<Problem>& errors) {
  r.string("primary", s.exchange.primary, {"bybit", "binance"});
  r.string("fallback", s.exchange.fallback, {"", "bybit", "binance"});
  r.integer("failover_after_ms", s.exchange.failover_after_ms, 0, 86'400'000);
  r.integer("failback_after_ms", s.exchange.failback_after_ms, 0, 86'400'000);
  if (s.exchange.fallback == s.exchange.primary)
    r.value_error("fallback", "must differ from primary (use \"\" for no fallback)");
  SectionReader bybit(r.table("bybit"), "exchange.bybit", file, errors);
  bybit.string("url", s.exchange.bybit_url);
  check_url(bybit, s.exchange.bybit_url);
  bybit.finish();
  SectionReader binance(r.table("binance"), "exchange.binance", file, errors);
  binance.string("url", s.exchange.binance_url);
  check_url(binance, s.exchange.binance_url);
  binance.finish();
}

// [tls]: the CA file (checked now when it will be loaded, so --check-config fails on it) and verification.
void read_tls(SectionReader& r, Settings& s, const std::filesystem::path& base_dir, ConfigLoader::Files files) {
  std::string ca;
  r.string("ca_file", ca);
  s.tls.ca_file = ca;
  const auto url_of = [&](const std::string& exchange) {
    return exchange == "bybit" ? s.exchange.bybit_url : exchange == "binance" ? s.exchange.binance_url : "";
  };
  const bool any_tls =
      url_of(s.exchange.primary).rfind("wss://", 0) == 0 || url_of(s.exchange.fallback).rfind("wss://", 0) == 0;
  if (!ca.empty() && any_tls && files == ConfigLoader::Files::Check) {
    // Checked now, as the feed will load it at start-up, so that --check-config
    // fails on what would stop start-up.
    std::error_code ec;
    const auto path = resolve(base_dir, ca);
    if (!std::filesystem::is_regular_file(path, ec))
      r.value_error("ca_file", TextGuard::printable(path.string(), 256) + " is not a readable file");
  }
  r.boolean("verify", s.tls.verify);
}

// [trading]: the coins and the quote asset.
void read_trading(SectionReader& r, Settings& s) {
  r.string_array("coins", s.trading.coins);
  r.string("quote", s.trading.quote);
  if (s.trading.coins.empty()) r.value_error("coins", "must list at least one coin");
  std::set<std::string> seen;
  for (const auto& c : s.trading.coins) {
    if (!coin_name_ok(c))
      r.value_error("coins", "\"" + TextGuard::printable(c) + "\" is not an upper-case coin name such as \"BTC\"");
    else if (!seen.insert(c).second)
      r.value_error("coins", "\"" + c + "\" is listed twice");
  }
  if (!coin_name_ok(s.trading.quote)) r.value_error("quote", "must be an upper-case asset name such as \"USDT\"");
}

// [risk]: position limits, exposure, default exit levels, the cooldown after a stop.
void read_risk(SectionReader& r, Settings& s) {
  r.integer("max_positions", s.risk.max_positions, 1, 10000);
  r.integer("max_position_per_coin", s.risk.max_position_per_coin, 1, 10000);
  r.number("max_exposure_pct", s.risk.max_exposure_pct, Interval::open_closed(0.0, 1.0));
  // 0: conditions that name no level have none (design.md §3).
  r.number("default_stop_loss_pct", s.risk.default_stop_loss_pct, Interval::closed_open(0.0, 1.0));
  r.number("default_take_profit_pct", s.risk.default_take_profit_pct, Interval::closed_open(0.0, 1.0));
  r.integer("cooldown_after_stop_ms", s.risk.cooldown_after_stop_ms, 0, 30LL * 86'400'000);
}

// [paper]: balance, fees and how fills are priced.
void read_paper(SectionReader& r, Settings& s) {
  r.number("initial_balance", s.paper.initial_balance, Interval::open_closed(0.0, 1e15));
  r.number("fee_pct", s.paper.fee_pct, Interval::closed_open(0.0, 0.1));
  std::string fill_on = "trade";
  r.string("fill_on", fill_on, {"trade", "quote"});
  s.paper.fill_on = fill_on == "quote" ? FillOn::Quote : FillOn::Trade;
  r.number("slippage_bps", s.paper.slippage_bps, Interval::closed(0.0, 1000.0));
  r.integer("max_quote_age_ms", s.paper.max_quote_age_ms, 1, 3'600'000);
}

// [storage]: the journal's path.
void read_storage(SectionReader& r, Settings& s) {
  std::string db = s.storage.db_path.string();
  r.string("db_path", db);
  if (db.empty()) r.value_error("db_path", "must not be empty");
  s.storage.db_path = db;
}

// [log]: where logs go and how much.
void read_log(SectionReader& r, Settings& s) {
  std::string dir = s.log.dir.string();
  r.string("dir", dir);
  s.log.dir = dir;
  r.string("level", s.log.level, {"trace", "debug", "info", "warn", "error", "critical", "off"});
}

// [health]: the health line's interval and staleness.
void read_health(SectionReader& r, Settings& s) {
  r.integer("interval_ms", s.health.interval_ms, 10, 3'600'000);
  r.integer("stale_after_ms", s.health.stale_after_ms, 1, 3'600'000);
}

// [feed]: reconnects, pings, silence, rotation.
void read_feed(SectionReader& r, Settings& s) {
  r.integer("reconnect_after_stale_ms", s.feed.reconnect_after_stale_ms, 1, 86'400'000);
  r.integer("max_tick_age_ms", s.feed.max_tick_age_ms, 1, 86'400'000);
  r.integer("backoff_initial_ms", s.feed.backoff_initial_ms, 1, 3'600'000);
  r.integer("backoff_max_ms", s.feed.backoff_max_ms, 1, 3'600'000);
  r.integer("rotate_after_ms", s.feed.rotate_after_ms, 1000, 86'400'000);
  r.integer("backoff_reset_after_ms", s.feed.backoff_reset_after_ms, 1, 86'400'000);
  r.integer("ping_interval_ms", s.feed.ping_interval_ms, 100, 3'600'000);
  r.integer("pong_timeout_ms", s.feed.pong_timeout_ms, 100, 3'600'000);
  r.integer("silence_timeout_ms", s.feed.silence_timeout_ms, 100, 3'600'000);
  r.integer("coin_stale_after_ms", s.feed.coin_stale_after_ms, 100, 86'400'000);
  if (s.feed.backoff_max_ms < s.feed.backoff_initial_ms)
    r.value_error("backoff_max_ms", "must be at least backoff_initial_ms");
}

// [api]: where the control API listens and where its token is.
void read_api(SectionReader& r, Settings& s) {
  r.string("listen", s.api.listen);
  r.integer("port", s.api.port, 0, 65535);
  r.string("token_env", s.api.token_env);
  if (!ip_literal(s.api.listen))
    r.value_error("listen", "must be an IP address such as \"127.0.0.1\" or \"::1\", got \"" +
                                TextGuard::printable(s.api.listen) + "\"");
  if (s.api.token_env.empty()) r.value_error("token_env", "must name an environment variable");
}

// [shutdown]: what happens to conditions and positions at exit.
void read_shutdown(SectionReader& r, Settings& s) {
  std::string conditions = "cancel", positions = "keep";
  r.string("conditions", conditions, {"cancel", "keep"});
  r.string("positions", positions, {"keep", "close"});
  s.shutdown.conditions = conditions == "keep" ? ShutdownConditions::Keep : ShutdownConditions::Cancel;
  s.shutdown.positions = positions == "close" ? ShutdownPositions::Close : ShutdownPositions::Keep;
}

// [record]: session recording (design.md §11).
void read_record(SectionReader& r, Settings& s) {
  std::string dir = s.record.dir.string();
  r.string("dir", dir);
  s.record.dir = dir;
  r.integer("rotate_minutes", s.record.rotate_minutes, 1, 24 * 60);
  r.integer("keep_hours", s.record.keep_hours, 0, 24 * 365 * 10);
}

// Every section in turn, each read by its own function; each refuses the keys it does not know.
Settings read_settings(const toml::table& root, const std::string& file, const std::filesystem::path& base_dir,
                       ConfigLoader::Files files, std::vector<Problem>& errors) {
  Settings s;
  SectionReader top(&root, "", file, errors);
  const auto section = [&](const char* name, const auto& read) {
    SectionReader r(top.table(name), name, file, errors);
    read(r);
    r.finish();
  };
  section("exchange", [&](SectionReader& r) { read_exchange(r, s, file, errors); });
  section("tls", [&](SectionReader& r) { read_tls(r, s, base_dir, files); });
  section("trading", [&](SectionReader& r) { read_trading(r, s); });
  section("risk", [&](SectionReader& r) { read_risk(r, s); });
  section("paper", [&](SectionReader& r) { read_paper(r, s); });
  section("storage", [&](SectionReader& r) { read_storage(r, s); });
  section("log", [&](SectionReader& r) { read_log(r, s); });
  section("health", [&](SectionReader& r) { read_health(r, s); });
  section("feed", [&](SectionReader& r) { read_feed(r, s); });
  section("api", [&](SectionReader& r) { read_api(r, s); });
  section("shutdown", [&](SectionReader& r) { read_shutdown(r, s); });
  section("record", [&](SectionReader& r) { read_record(r, s); });
  top.finish();
  return s;
}

}  // namespace

Settings ConfigLoader::load_string(std::string_view text, const std::filesystem::path& source_name,
                                   const std::filesystem::path& base_dir, Files files) {
  const std::string file = source_name.string();
  if (const auto bad = TextGuard::invalid_utf8_at(text))
    throw ConfigError({file + ":" + std::to_string(TextGuard::line_of(text, *bad)) + ": not UTF-8 (byte " +
                       std::to_string(*bad + 1) + ")"});
  if (const auto line = toml_too_deep_at(text))
    throw ConfigError({file + ":" + std::to_string(line) + ": keys, tables or values nest deeper than " +
                       std::to_string(max_toml_depth) + " levels (tradingd's settings are at most 3 deep)"});
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& err) {
    throw ConfigError(
        {file + ":" + std::to_string(err.source().begin.line) + ": " + TextGuard::printable(err.description(), 200)});
  }
  std::vector<Problem> problems;
  Settings s = read_settings(root, file, base_dir, files, problems);
  if (!problems.empty()) {
    // In line order, as a user reads the file; problems with no line (a missing key) last.
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
      return (a.line ? a.line : SIZE_MAX) < (b.line ? b.line : SIZE_MAX);
    });
    std::vector<std::string> errors;
    for (auto& p : problems) errors.push_back(std::move(p.message));
    throw ConfigError(std::move(errors));
  }
  s.source = source_name;
  s.tls.ca_file = resolve(base_dir, s.tls.ca_file);
  s.storage.db_path = resolve(base_dir, s.storage.db_path);
  s.log.dir = resolve(base_dir, s.log.dir);
  if (!s.record.dir.empty()) s.record.dir = resolve(base_dir, s.record.dir);
  return s;
}

Settings ConfigLoader::load_file(const std::filesystem::path& path, Files files) {
  const std::string text = InputFile::read(path, InputFile::max_config_bytes, "config file");
  const auto base = std::filesystem::absolute(path).parent_path();
  return load_string(text, path, base, files);
}

}  // namespace tradingd
