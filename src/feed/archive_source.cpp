#include "tradingd/feed/archive_source.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "tradingd/config/config_error.hpp"
#include "tradingd/domain/decimal_text.hpp"
#include "tradingd/domain/epoch_time.hpp"
#include "tradingd/domain/price_rule.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/domain/time_format.hpp"

namespace tradingd {
namespace {

// Blank, comment and skipped lines cost a read but give no row: after this many
// bytes of them the caller gets control back (signals, timers) and asks again.
constexpr std::size_t skip_budget_bytes = 1 << 20;
constexpr std::size_t max_skipped_symbols = 32;

std::string show(std::string_view field) {
  return TextGuard::printable(field, 32);
}

// true/false in any case: ASCII letters fold to lower case with 0x20, and
// no other byte folds onto those letters.
bool is_flag(std::string_view s) {
  const auto is = [&](std::string_view word) {
    if (s.size() != word.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
      if ((s[i] | 0x20) != word[i]) return false;
    return true;
  };
  return is("true") || is("false");
}

// A quantity: finite and >= 0. Plain decimals (all the archives write) are
// judged by their bytes alone; anything else ("1e-5") is read as a number.
bool is_quantity(std::string_view s) {
  if (!s.empty() && s.size() <= 300) {
    bool dot = false, digit = false, plain = true;
    for (const char c : s) {
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        plain = false;
        break;
      }
    }
    if (plain) return digit;
  }
  double q = 0;
  return DecimalText::parse(s, q) && std::isfinite(q) && q >= 0;
}

std::string_view skip_blank(std::string_view l) {
  while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
  while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
  return l;
}

}  // namespace

ArchiveSource::ArchiveSource(LineReader reader, const Context& context)
    : reader_(std::move(reader)), context_(context) {
  // tradingd's coin column: each configured name of up to 8 bytes as a word
  // and its length (so "BTC" never equals "BTC\0").
  for (const auto& name : context_.coins->names()) {
    CoinWord c;
    if (name.size() <= 8) {
      std::memcpy(&c.word, name.data(), name.size());
      c.size = name.size();
    } else {
      coin_long_names_ = true;  // c.size 9 matches no name of 8 bytes or fewer
    }
    coin_words_.push_back(c);
  }
}

ArchiveSource ArchiveSource::open(const std::filesystem::path& path, const Context& context) {
  ArchiveSource src(LineReader(TextInput::open(path)), context);
  src.detect();
  return src;
}

ArchiveSource ArchiveSource::from_text(std::string text, std::string_view name, const Context& context) {
  ArchiveSource src(LineReader(TextInput::from_text(std::move(text), name)), context);
  src.detect();
  return src;
}

void ArchiveSource::fail(const std::string& message) {
  // A row garbled by a damaged compressed file: say the file is damaged.
  constexpr std::size_t damage_search_bytes = 256 << 20;
  if (auto damage = reader_.input().damage(damage_search_bytes))
    throw ConfigError(
        {*damage + " (line " + std::to_string(line_no_) + " before it came out garbled: " + message + ")"});
  throw ConfigError({name() + ":" + std::to_string(line_no_) + ": " + message});
}

std::string ArchiveSource::column_name(std::size_t i) const {
  if (i < header_.size()) return header_[i];
  return std::string(ArchiveFormats::column_name(format_, i));
}

void ArchiveSource::detect() {
  const std::string base = std::filesystem::path(name()).filename().string();
  const ArchiveFormats::NameHint by_name = ArchiveFormats::from_file_name(base);

  // The first line that is neither blank nor a comment.
  std::string_view l;
  bool any = false;
  while (reader_.next(l)) {
    // A session recording's chunk says so on its first line (design.md §11).
    if (reader_.line() == 1 && l == ArchiveFormats::recording_magic &&
        (!context_.forced || *context_.forced == ArchiveFormat::Recording)) {
      format_ = ArchiveFormat::Recording;
      line_no_ = 1;
      reader_.allow_long_lines();
      return;
    }
    l = skip_blank(l);
    if (l.empty() || l.front() == '#') continue;
    any = true;
    break;
  }
  line_no_ = reader_.line();
  const std::string nothing_to_replay = "no rows (the file is empty or holds only blank and comment lines)";
  if (!any && !context_.forced && !by_name.format) throw ConfigError({name() + ": " + nothing_to_replay});
  if (context_.forced == ArchiveFormat::Recording)
    fail("--format recording: the first line is not '" + std::string(ArchiveFormats::recording_magic) +
         "' (a session recording's chunk, docs/design.md §11)");
  if (any && !csv_.split(l)) fail("an opening quote is not closed");
  const std::string shown = any ? "'" + TextGuard::printable(l, 80) + "'" : std::string("(none)");

  const auto choose = [&](ArchiveFormat f, const ArchiveFormats::LineHint& hint) {
    format_ = f;
    if (hint.header && std::find(hint.formats.begin(), hint.formats.end(), f) != hint.formats.end()) {
      layout_ = *ArchiveFormats::header_layout(f, csv_);
      for (std::size_t i = 0; i < csv_.size(); ++i) header_.emplace_back(TextGuard::printable(csv_[i], 40));
      return;
    }
    if (ArchiveFormats::needs_header(f))
      fail(std::string(ArchiveFormats::name(f)) + " files start with a header naming their columns; the first line " +
           shown + " is not one");
    layout_ = ArchiveFormats::positional_layout(f);
    if (any) {
      first_line_.assign(l);  // a row: parsed by the first next()
      first_pending_ = true;
      first_line_no_ = line_no_;
    }
  };

  const ArchiveFormats::LineHint hint = any ? ArchiveFormats::from_first_line(csv_) : ArchiveFormats::LineHint{};
  const auto fits = [&](ArchiveFormat f) {
    return std::find(hint.formats.begin(), hint.formats.end(), f) != hint.formats.end();
  };
  const std::string ask_format = "; give --format NAME (one of " + ArchiveFormats::names() + ")";
  if (context_.forced) {
    choose(*context_.forced, hint);
  } else if (by_name.format && (hint.formats.empty() || fits(*by_name.format))) {
    // The name says; the first line agrees, or says nothing (then its row is judged as one of the name's format).
    choose(*by_name.format, hint);
  } else if (by_name.format) {
    fail("its name says " + std::string(ArchiveFormats::name(*by_name.format)) + " but its first line " + shown +
         " is " + (hint.header ? "a header" : "a row") + " of " +
         std::string(ArchiveFormats::name(hint.formats.front())) + ask_format);
  } else if (hint.formats.size() == 1) {
    choose(hint.formats.front(), hint);
  } else if (hint.formats.empty()) {
    fail("cannot tell the format: neither the name nor the first line " + shown + " is one of a known format" +
         ask_format);
  } else {
    std::string both;
    for (const auto f : hint.formats) both += (both.empty() ? "" : " and ") + std::string(ArchiveFormats::name(f));
    fail("the first line " + shown + " fits " + both + ask_format);
  }

  // The symbol of rows that carry none: the file's name gives it.
  if (!layout_.row_symbol) {
    file_symbol_ = by_name.symbol;
    if (file_symbol_.empty())
      fail("cannot tell the symbol: " + std::string(ArchiveFormats::name(format_)) +
           " rows carry none and the file's name gives none (the exchange names its files SYMBOL-trades-"
           "YYYY-MM-DD.zip, SYMBOL_YYYY-MM-DD.csv.gz, ...)");
    const auto coin = context_.symbols->find(file_symbol_);
    if (!coin)
      skipped_whole_ = true;
    else
      file_coin_ = *coin;
  }
}

// tradingd's own rows, the most common replay input: fields by position
// (its header, when it has one, names them in this order), no role table.
void ArchiveSource::parse_tradingd(ReplayTick& out) {
  const std::size_t n = csv_.size();
  ReplayTick t;
  const std::string_view ts = csv_[0];
  std::int64_t ms = 0;
  // Digits only, at most 15 (9999-12-31 is 253402300799999): a loop, not from_chars.
  bool digits = !ts.empty() && ts.size() <= 15;
  for (std::size_t i = 0; digits && i < ts.size(); ++i) {
    const auto d = static_cast<unsigned>(ts[i] - '0');
    digits = d < 10;
    ms = ms * 10 + static_cast<std::int64_t>(d);
  }
  if (!digits) {
    ms = 0;
    const auto res = std::from_chars(ts.data(), ts.data() + ts.size(), ms);
    if (res.ec != std::errc{} || res.ptr != ts.data() + ts.size())
      fail("ts_ms: '" + show(ts) + "' is not an integer of epoch milliseconds" +
           (line_no_ == first_line_no_ && header_.empty() ? " (nor is the line the header ts_ms,coin,price[,bid,ask])"
                                                          : ""));
  }
  if (!TimeFormat::in_range(ms))
    fail("ts_ms: " + std::to_string(ms) + " is not a time from 1970 to 9999 in epoch milliseconds");
  const std::string_view coin = csv_[1];
  std::optional<CoinId> id;
  // Names of up to 8 bytes as one word each, compared exactly: a few dozen
  // configured coins are scanned faster than they are searched.
  if (coin.size() <= 8 && !coin_words_.empty()) {
    std::uint64_t w = 0;
    std::memcpy(&w, coin.data(), coin.size());
    for (std::size_t i = 0; i < coin_words_.size(); ++i)
      if (coin_words_[i].word == w && coin_words_[i].size == coin.size()) {
        id = static_cast<CoinId>(i);
        break;
      }
    if (!id && coin_long_names_) id = context_.coins->find(coin);
  } else {
    id = context_.coins->find(coin);
  }
  if (!id) fail("coin: '" + show(coin) + "' is not one of the configured [trading] coins");
  t.coin = *id;
  const std::string_view price = csv_[2];
  t.has_price = !price.empty() || n == 3;
  if (t.has_price && (!DecimalText::parse(price, t.price) || !PriceRule::real(t.price)))
    fail(column_name(2) + ": '" + show(price) + "' is not " + PriceRule::words);
  if (n == 5) {
    for (std::size_t i : {std::size_t{3}, std::size_t{4}}) {
      const std::string_view v = csv_[i];
      if (v.empty()) continue;
      double p = 0;
      if (!DecimalText::parse(v, p) || !PriceRule::real(p))
        fail(column_name(i) + ": '" + show(v) + "' is not " + PriceRule::words);
      (i == 3 ? t.quote.bid : t.quote.ask) = p;
      (i == 3 ? t.quote.has_bid : t.quote.has_ask) = true;
    }
    t.has_quote = t.quote.has_bid || t.quote.has_ask;
    if (!t.has_price && !t.has_quote) fail("the row has no price, no bid and no ask");
  }
  t.ts_us = ms * 1000;
  if (t.ts_us < last_us_)
    fail("ts_ms goes backwards (" + std::to_string(ms) + " after " + std::to_string(last_us_ / 1000) + ")");
  last_us_ = t.ts_us;
  t.ts_ms = ms;
  t.quote.ts_ms = ms;
  out = t;
}

void ArchiveSource::count_skipped(std::string_view symbol) {
  for (auto& [s, n] : skipped_)
    if (s == symbol) {
      ++n;
      return;
    }
  if (skipped_.size() < max_skipped_symbols) {
    skipped_.emplace_back(TextGuard::printable(symbol, 32), 1);
    return;
  }
  if (skipped_.size() == max_skipped_symbols) skipped_.emplace_back("other symbols", 0);
  ++skipped_.back().second;
}

ArchiveSource::Read ArchiveSource::next(ReplayTick& out) {
  if (skipped_whole_) return Read::End;
  std::size_t skipped_bytes = 0;
  for (;;) {
    std::string_view l;
    if (first_pending_) {
      first_pending_ = false;
      l = first_line_;
      line_no_ = first_line_no_;
    } else {
      if (!reader_.next(l)) return Read::End;
      line_no_ = reader_.line();
      l = skip_blank(l);
      if (l.empty() || l.front() == '#') {
        skipped_bytes += l.size() + 1;
        if (skipped_bytes >= skip_budget_bytes) return Read::Later;
        continue;
      }
    }
    if (format_ == ArchiveFormat::Recording ? parse_recording(l, out) : parse_row(l, out)) return Read::Row;
    skipped_bytes += l.size() + 1;
    if (skipped_bytes >= skip_budget_bytes) return Read::Later;
  }
}

// A recording's market rows: `now_ms,tick,coin,price,ts_ms` and
// `now_ms,quote,coin,bid,ask,ts_ms` (design.md §11), at their receive time
// (now_ms), in the order they were received; every other input is skipped.
bool ArchiveSource::parse_recording(std::string_view l, ReplayTick& out) {
  std::string_view rest = l;
  const auto take = [&rest]() {
    const auto comma = rest.find(',');
    const std::string_view f = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    return f;
  };
  const std::string_view now_text = take();
  std::int64_t now = 0;
  const auto [p, ec] = std::from_chars(now_text.data(), now_text.data() + now_text.size(), now);
  if (now_text.empty() || ec != std::errc() || p != now_text.data() + now_text.size() || !TimeFormat::in_range(now))
    fail("now_ms: not a time in ms");
  const std::string_view kind = take();
  const bool tick = kind == "tick", quote = kind == "quote";
  if (!tick && !quote) {
    static constexpr std::string_view others[] = {"arm",     "refuse", "cancel", "close",    "halt", "resume",
                                                  "flatten", "sweep",  "feed",   "shutdown", "gap"};
    for (const auto o : others)
      if (kind == o) return false;
    fail("unknown input kind '" + TextGuard::printable(kind, 20) + "'");
  }
  const std::string_view coin_text = take();
  const auto number = [&](std::string_view f, const char* what, bool may_be_empty, double& v) {
    if (f.empty() && may_be_empty) return false;
    const auto [q, e] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (f.empty() || e != std::errc() || q != f.data() + f.size() || !PriceRule::real(v))
      fail(std::string(what) + ": not a real price: '" + TextGuard::printable(f, 40) + "'");
    return true;
  };
  const auto coin = context_.coins->find(coin_text);
  // Receive order is the order: a wall clock stepped back does not reorder it.
  const std::int64_t ms = last_us_ == INT64_MIN ? now : std::max(now, last_us_ / 1000);
  if (tick) {
    double price = 0;
    number(take(), "price", false, price);
    (void)take();  // the exchange's time of the trade; the receive time decides here
    if (!coin) {
      count_skipped(coin_text);
      return false;
    }
    out = ReplayTick{};
    out.price = price;
  } else {
    out = ReplayTick{};
    out.has_price = false;
    out.has_quote = true;
    out.quote.has_bid = number(take(), "bid", true, out.quote.bid);
    out.quote.has_ask = number(take(), "ask", true, out.quote.ask);
    out.quote.ts_ms = ms;
    if (!coin) {
      count_skipped(coin_text);
      return false;
    }
  }
  out.coin = *coin;
  out.ts_ms = ms;
  out.ts_us = ms * 1000;
  last_us_ = out.ts_us;
  return true;
}

bool ArchiveSource::parse_row(std::string_view l, ReplayTick& out) {
  if (!csv_.split(l)) fail("an opening quote is not closed");
  const std::size_t n = csv_.size();
  const bool tradingd = format_ == ArchiveFormat::Tradingd;
  if (n < layout_.min_fields || n > layout_.max_fields) {
    if (tradingd) fail("expected 3 fields ts_ms,coin,price or 5 fields ts_ms,coin,price,bid,ask");
    fail("expected " +
         (layout_.min_fields == layout_.max_fields
              ? std::to_string(layout_.min_fields)
              : std::to_string(layout_.min_fields) + " to " + std::to_string(layout_.max_fields)) +
         " fields of " + std::string(ArchiveFormats::name(format_)) + ", found " + std::to_string(n));
  }

  if (tradingd) {
    parse_tradingd(out);
    return true;
  }

  // The symbol first: a row of a coin that is not configured is skipped unread
  // (tradingd's rows name coins, which must be configured: judged in column order).
  CoinId coin = file_coin_;
  const auto resolve = [&](std::string_view sym) {
    if (!any_symbol_ || sym != last_symbol_) {
      last_symbol_.assign(sym);
      any_symbol_ = true;
      last_coin_ = tradingd ? context_.coins->find(sym) : context_.symbols->find(sym);
    }
    return last_coin_;
  };
  if (layout_.row_symbol && !tradingd) {
    const std::string_view sym = csv_[static_cast<std::size_t>(layout_.column(ColumnRole::Symbol))];
    if (!resolve(sym)) {
      count_skipped(sym);
      return false;
    }
    coin = *last_coin_;
  }

  ReplayTick t;
  t.coin = coin;
  t.has_price = false;
  bool have_time = false;
  bool price_empty = false;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view v = csv_[i];
    switch (layout_.roles[i]) {
      case ColumnRole::Ignored:
        break;
      case ColumnRole::Symbol:
        if (tradingd) {
          if (!resolve(v)) fail("coin: '" + show(v) + "' is not one of the configured [trading] coins");
          t.coin = *last_coin_;
        }
        break;
      case ColumnRole::Time:
        if (tradingd) {
          std::int64_t ms = 0;
          const auto res = std::from_chars(v.data(), v.data() + v.size(), ms);
          if (res.ec != std::errc{} || res.ptr != v.data() + v.size())
            fail("ts_ms: '" + show(v) + "' is not an integer of epoch milliseconds" +
                 (line_no_ == first_line_no_ && !header_.size()
                      ? " (nor is the line the header ts_ms,coin,price[,bid,ask])"
                      : ""));
          if (!TimeFormat::in_range(ms))
            fail("ts_ms: " + std::to_string(ms) + " is not a time from 1970 to 9999 in epoch milliseconds");
          t.ts_us = ms * 1000;
        } else {
          const auto us = EpochTime::parse_us(v);
          if (!us)
            fail(column_name(i) + ": '" + show(v) +
                 "' is not a time from 1970 to 9999 in epoch seconds, milliseconds or microseconds");
          t.ts_us = *us;
        }
        have_time = true;
        break;
      case ColumnRole::ExchangeTime:
        if (!EpochTime::parse_us(v))
          fail(column_name(i) + ": '" + show(v) +
               "' is not a time from 1970 to 9999 in epoch seconds, milliseconds or microseconds");
        break;
      case ColumnRole::Price:
        if (v.empty() && tradingd && n == 5) {
          price_empty = true;  // a quote-only row
          break;
        }
        if (!DecimalText::parse(v, t.price) || !PriceRule::real(t.price))
          fail(column_name(i) + ": '" + show(v) + "' is not " + PriceRule::words);
        t.has_price = true;
        break;
      case ColumnRole::Bid:
      case ColumnRole::Ask: {
        const bool bid = layout_.roles[i] == ColumnRole::Bid;
        t.has_quote = true;
        // tradingd's rows and Tardis's quotes leave a side empty when it has no price.
        if (v.empty() && format_ != ArchiveFormat::BinanceBookTicker) break;
        double p = 0;
        if (!DecimalText::parse(v, p) || !PriceRule::real(p))
          fail(column_name(i) + ": '" + show(v) + "' is not " + PriceRule::words);
        (bid ? t.quote.bid : t.quote.ask) = p;
        (bid ? t.quote.has_bid : t.quote.has_ask) = true;
        break;
      }
      case ColumnRole::Quantity: {
        if (v.empty() && format_ == ArchiveFormat::TardisQuotes) break;  // beside an empty side
        if (!is_quantity(v)) fail(column_name(i) + ": '" + show(v) + "' is not a finite quantity of 0 or more");
        break;
      }
      case ColumnRole::Flag:
        if (!is_flag(v)) fail(column_name(i) + ": '" + show(v) + "' is not true or false");
        break;
    }
  }
  if (!have_time) fail("the row has no time");
  if (tradingd) {
    // A 5-field row: bid and ask update the quote; the price may be empty then.
    if (n == 5) t.has_quote = t.quote.has_bid || t.quote.has_ask;
    if (price_empty && !t.has_quote) fail("the row has no price, no bid and no ask");
  }
  if (t.ts_us < last_us_) {
    if (tradingd)
      fail("ts_ms goes backwards (" + std::to_string(t.ts_us / 1000) + " after " + std::to_string(last_us_ / 1000) +
           ")");
    fail(column_name(static_cast<std::size_t>(layout_.column(ColumnRole::Time))) + " goes backwards (" +
         TimeFormat::to_iso8601(t.ts_us / 1000) + " after " + TimeFormat::to_iso8601(last_us_ / 1000) + ", " +
         std::to_string(t.ts_us) + " after " + std::to_string(last_us_) + " in microseconds)");
  }
  last_us_ = t.ts_us;
  t.ts_ms = EpochTime::to_ms(t.ts_us);
  t.quote.ts_ms = t.ts_ms;
  out = t;
  return true;
}

}  // namespace tradingd
