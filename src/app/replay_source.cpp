#include "tradingd/app/replay_source.hpp"

#include <charconv>
#include <fstream>
#include <string>

#include "tradingd/config/config_error.hpp"

namespace tradingd {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

ReplaySource ReplaySource::load(const std::filesystem::path& path, const CoinTable& coins) {
  std::ifstream in(path);
  if (!in) throw ConfigError({path.string() + ": cannot open replay file"});
  ReplaySource src;
  std::vector<std::string> errors;
  std::string line;
  std::size_t line_no = 0;
  std::int64_t last_ts = INT64_MIN;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    const auto c1 = l.find(',');
    const auto c2 = c1 == std::string_view::npos ? c1 : l.find(',', c1 + 1);
    auto fail = [&](const std::string& msg) {
      if (errors.size() < 20) errors.push_back(path.string() + ":" + std::to_string(line_no) + ": " + msg);
    };
    if (c2 == std::string_view::npos || l.find(',', c2 + 1) != std::string_view::npos) {
      fail("expected 3 fields ts_ms,coin,price");
      continue;
    }
    const auto ts_text = trim(l.substr(0, c1));
    const auto coin_text = trim(l.substr(c1 + 1, c2 - c1 - 1));
    const auto price_text = trim(l.substr(c2 + 1));
    ReplayTick t;
    const auto ts_res = std::from_chars(ts_text.data(), ts_text.data() + ts_text.size(), t.ts_ms);
    if (ts_res.ec != std::errc{} || ts_res.ptr != ts_text.data() + ts_text.size()) {
      if (line_no == 1 && src.ticks_.empty()) continue;  // a header line
      fail("ts_ms: '" + std::string(ts_text) + "' is not an integer of epoch milliseconds");
      continue;
    }
    const auto coin = coins.find(coin_text);
    if (!coin) {
      fail("coin: '" + std::string(coin_text) + "' is not one of the configured [trading] coins");
      continue;
    }
    t.coin = *coin;
    // Prices are passed on as written, NaN and negatives included: dropping
    // invalid ticks is the Sniper's job, and replays test exactly that.
    const auto p_res = std::from_chars(price_text.data(), price_text.data() + price_text.size(), t.price);
    if (p_res.ec != std::errc{} || p_res.ptr != price_text.data() + price_text.size()) {
      fail("price: '" + std::string(price_text) + "' is not a number");
      continue;
    }
    if (t.ts_ms < last_ts) {
      fail("ts_ms goes backwards (" + std::to_string(t.ts_ms) + " after " + std::to_string(last_ts) + ")");
      continue;
    }
    last_ts = t.ts_ms;
    src.ticks_.push_back(t);
  }
  if (!errors.empty()) throw ConfigError(std::move(errors));
  if (src.ticks_.empty()) throw ConfigError({path.string() + ": no ticks"});
  return src;
}

}  // namespace tradingd
