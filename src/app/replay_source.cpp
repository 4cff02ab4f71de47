#include "tradingd/app/replay_source.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <string>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/input_file.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/domain/time_format.hpp"

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

// A row is a few dozen bytes; a longer line is cut here rather than read whole
// into memory (a file of no newlines at all would otherwise be).
constexpr std::size_t max_line_bytes = 4096;

// The next line without its '\n' into `line`; false at the end of input.
// `too_long` says the line was longer than max_line_bytes (the rest is skipped).
bool next_line(std::streambuf& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  int c = in.sbumpc();
  if (c == std::char_traits<char>::eof()) return false;
  for (; c != std::char_traits<char>::eof() && c != '\n'; c = in.sbumpc()) {
    if (line.size() < max_line_bytes)
      line.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
  return true;
}

}  // namespace

ReplaySource ReplaySource::load(const std::filesystem::path& path, const CoinTable& coins) {
  InputFile::require_regular(path, "replay file");  // a FIFO or /dev/zero would never end
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path.string() + ": cannot open replay file"});
  return parse(in, path.string(), coins);
}

ReplaySource ReplaySource::parse(std::istream& in, std::string_view name, const CoinTable& coins) {
  ReplaySource src;
  std::vector<std::string> errors;
  std::string line;
  std::size_t line_no = 0;
  std::int64_t last_ts = INT64_MIN;
  bool too_long = false;
  while (next_line(*in.rdbuf(), line, too_long)) {
    ++line_no;
    auto fail = [&](const std::string& msg) {
      if (errors.size() < 20) errors.push_back(std::string(name) + ":" + std::to_string(line_no) + ": " + msg);
    };
    std::string_view l = line;
    if (line_no == 1 && l.substr(0, 3) == "\xEF\xBB\xBF") l.remove_prefix(3);  // a UTF-8 byte order mark
    l = trim(l);
    if (too_long) {
      fail("the line is longer than " + std::to_string(max_line_bytes) + " bytes");
      continue;
    }
    if (l.empty() || l.front() == '#') continue;
    const auto show = [](std::string_view field) { return TextGuard::printable(field, 32); };
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
      fail("ts_ms: '" + show(f[0]) + "' is not an integer of epoch milliseconds");
      continue;
    }
    if (t.ts_ms < 0 || t.ts_ms > TimeFormat::max_epoch_ms) {
      fail("ts_ms: " + std::to_string(t.ts_ms) + " is not a time from 1970 to 9999 in epoch milliseconds");
      continue;
    }
    const auto coin = coins.find(f[1]);
    if (!coin) {
      fail("coin: '" + show(f[1]) + "' is not one of the configured [trading] coins");
      continue;
    }
    t.coin = *coin;
    t.has_price = !f[2].empty() || n == 3;
    if (t.has_price && !number(f[2], t.price)) {
      fail("price: '" + show(f[2]) + "' is not a number");
      continue;
    }
    if (n == 5) {
      Quote& q = t.quote;
      q.has_bid = !f[3].empty();
      q.has_ask = !f[4].empty();
      q.ts_ms = t.ts_ms;
      if (q.has_bid && !number(f[3], q.bid)) {
        fail("bid: '" + show(f[3]) + "' is not a number");
        continue;
      }
      if (q.has_ask && !number(f[4], q.ask)) {
        fail("ask: '" + show(f[4]) + "' is not a number");
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
  if (src.ticks_.empty()) throw ConfigError({std::string(name) + ": no ticks"});
  return src;
}

}  // namespace tradingd
