#include "tradingd/config/settings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>
#include <string_view>
#include <utility>

namespace tradingd {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The shortest text that reads back as the same double: 0.1, not 0.10000000000000001.
std::string num(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";  // keep it a TOML float
  return s;
}

}  // namespace

std::string Settings::to_toml() const {
  std::ostringstream o;
  o << "# effective settings" << (source.empty() ? "" : " from " + source.string()) << "\n";
  o << "[exchange]\nprimary = " << quoted(exchange.primary) << "\nfallback = " << quoted(exchange.fallback)
    << "\nfailover_after_ms = " << exchange.failover_after_ms << "\nfailback_after_ms = " << exchange.failback_after_ms
    << "\n";
  o << "[exchange.bybit]\nurl = " << quoted(exchange.bybit_url) << "\n";
  o << "[exchange.binance]\nurl = " << quoted(exchange.binance_url) << "\n";
  o << "[tls]\nca_file = " << quoted(tls.ca_file.string()) << "\nverify = " << (tls.verify ? "true" : "false") << "\n";
  o << "[trading]\ncoins = [";
  for (std::size_t i = 0; i < trading.coins.size(); ++i) o << (i ? ", " : "") << quoted(trading.coins[i]);
  o << "]\nquote = " << quoted(trading.quote) << "\n";
  o << "[risk]\nmax_positions = " << risk.max_positions << "\nmax_position_per_coin = " << risk.max_position_per_coin
    << "\nmax_exposure_pct = " << num(risk.max_exposure_pct)
    << "\ndefault_stop_loss_pct = " << num(risk.default_stop_loss_pct)
    << "\ndefault_take_profit_pct = " << num(risk.default_take_profit_pct)
    << "\ncooldown_after_stop_ms = " << risk.cooldown_after_stop_ms << "\n";
  o << "[paper]\ninitial_balance = " << num(paper.initial_balance) << "\nfee_pct = " << num(paper.fee_pct)
    << "\nfill_on = " << (paper.fill_on == FillOn::Quote ? "\"quote\"" : "\"trade\"")
    << "\nslippage_bps = " << num(paper.slippage_bps) << "\nmax_quote_age_ms = " << paper.max_quote_age_ms << "\n";
  o << "[storage]\ndb_path = " << quoted(storage.db_path.string()) << "\n";
  o << "[log]\ndir = " << quoted(log.dir.string()) << "\nlevel = " << quoted(log.level) << "\n";
  o << "[health]\ninterval_ms = " << health.interval_ms << "\nstale_after_ms = " << health.stale_after_ms << "\n";
  o << "[feed]\nreconnect_after_stale_ms = " << feed.reconnect_after_stale_ms
    << "\nmax_tick_age_ms = " << feed.max_tick_age_ms << "\nbackoff_initial_ms = " << feed.backoff_initial_ms
    << "\nbackoff_max_ms = " << feed.backoff_max_ms << "\nrotate_after_ms = " << feed.rotate_after_ms
    << "\nbackoff_reset_after_ms = " << feed.backoff_reset_after_ms << "\nping_interval_ms = " << feed.ping_interval_ms
    << "\npong_timeout_ms = " << feed.pong_timeout_ms << "\nsilence_timeout_ms = " << feed.silence_timeout_ms
    << "\ncoin_stale_after_ms = " << feed.coin_stale_after_ms << "\n";
  o << "[api]\nlisten = " << quoted(api.listen) << "\nport = " << api.port << "\ntoken_env = " << quoted(api.token_env)
    << "\n";
  o << "[shutdown]\nconditions = " << (shutdown.conditions == ShutdownConditions::Cancel ? "\"cancel\"" : "\"keep\"")
    << "\npositions = " << (shutdown.positions == ShutdownPositions::Keep ? "\"keep\"" : "\"close\"") << "\n";
  o << "[record]\ndir = " << quoted(record.dir.string()) << "\nrotate_minutes = " << record.rotate_minutes
    << "\nkeep_hours = " << record.keep_hours << "\n";
  return o.str();
}

namespace {

// (section, key) -> value text, from to_toml()'s lines, for the sections that decide trades.
std::vector<std::pair<std::string, std::string>> trading_lines(const std::string& toml) {
  static constexpr std::array<std::string_view, 5> trading = {"[trading]", "[risk]", "[paper]", "[feed]", "[shutdown]"};
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(toml);
  std::string line, section;
  bool keep = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line;
      keep = std::find(trading.begin(), trading.end(), line) != trading.end();
      continue;
    }
    const auto eq = line.find(" = ");
    if (keep && eq != std::string::npos) out.emplace_back(section + " " + line.substr(0, eq), line.substr(eq + 3));
  }
  return out;
}

}  // namespace

std::vector<std::string> Settings::trading_differences(const Settings& other) const {
  const auto mine = trading_lines(to_toml()), theirs = trading_lines(other.to_toml());
  std::vector<std::string> out;
  // Both lists hold the same keys in the same order: to_toml() prints every key.
  for (std::size_t i = 0; i < mine.size() && i < theirs.size(); ++i)
    if (mine[i].second != theirs[i].second)
      out.push_back(mine[i].first + " = " + mine[i].second + " -> " + theirs[i].second);
  return out;
}

Settings Settings::with_trading_of(const Settings& other) const {
  Settings s = *this;
  s.trading = other.trading;
  s.risk = other.risk;
  s.paper = other.paper;
  s.feed = other.feed;
  s.shutdown = other.shutdown;
  return s;
}

}  // namespace tradingd
