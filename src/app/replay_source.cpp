#include "tradingd/app/replay_source.hpp"

#include <array>
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

// Whole text as a number. Prices are passed on as written, NaN and negatives
// included: dropping invalid ticks and quotes is the Sniper's job, and replays
// test exactly that.
bool number(std::string_view text, double& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
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
    auto fail = [&](const std::string& msg) {
      if (errors.size() < 20) errors.push_back(path.string() + ":" + std::to_string(line_no) + ": " + msg);
    };
    std::array<std::string_view, 5> f;
    std::size_t n = 0;
    for (std::size_t start = 0;; ++n) {
      const auto comma = l.find(',', start);
      if (n < f.size()) f[n] = trim(l.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    ++n;
    if (n != 3 && n != 5) {
      fail("expected 3 fields ts_ms,coin,price or 5 fields ts_ms,coin,price,bid,ask");
      continue;
    }
    ReplayTick t;
    const auto ts_res = std::from_chars(f[0].data(), f[0].data() + f[0].size(), t.ts_ms);
    if (ts_res.ec != std::errc{} || ts_res.ptr != f[0].data() + f[0].size()) {
      if (line_no == 1 && src.ticks_.empty()) continue;  // a header line
      fail("ts_ms: '" + std::string(f[0]) + "' is not an integer of epoch milliseconds");
      continue;
    }
    const auto coin = coins.find(f[1]);
    if (!coin) {
      fail("coin: '" + std::string(f[1]) + "' is not one of the configured [trading] coins");
      continue;
    }
    t.coin = *coin;
    t.has_price = !f[2].empty() || n == 3;
    if (t.has_price && !number(f[2], t.price)) {
      fail("price: '" + std::string(f[2]) + "' is not a number");
      continue;
    }
    if (n == 5) {
      Quote& q = t.quote;
      q.has_bid = !f[3].empty();
      q.has_ask = !f[4].empty();
      q.ts_ms = t.ts_ms;
      if (q.has_bid && !number(f[3], q.bid)) {
        fail("bid: '" + std::string(f[3]) + "' is not a number");
        continue;
      }
      if (q.has_ask && !number(f[4], q.ask)) {
        fail("ask: '" + std::string(f[4]) + "' is not a number");
        continue;
      }
      t.has_quote = q.has_bid || q.has_ask;
      if (!t.has_price && !t.has_quote) {
        fail("the row has no price, no bid and no ask");
        continue;
      }
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
