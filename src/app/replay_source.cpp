#include "tradingd/app/replay_source.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <utility>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/input_file.hpp"
#include "tradingd/domain/decimal_text.hpp"
#include "tradingd/domain/price_rule.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/domain/time_format.hpp"

namespace tradingd {
namespace {

// Big enough that a line of max_line_bytes always fits behind a partial one,
// small enough to stay out of the RSS budget.
constexpr std::size_t buffer_bytes = 1 << 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Whole text as a real price (DESIGN §10 "Prices": anything else makes the row malformed).
bool real_price(std::string_view text, double& out) {
  return DecimalText::parse(text, out) && PriceRule::real(out);
}

std::string not_a_price(std::string_view field, std::string_view text) {
  return std::string(field) + ": '" + TextGuard::printable(text, 32) + "' is not " + PriceRule::words;
}

std::string show(std::string_view field) {
  return TextGuard::printable(field, 32);
}

}  // namespace

ReplaySource::ReplaySource(std::string name, const CoinTable& coins) : name_(std::move(name)), coins_(&coins) {}

ReplaySource::ReplaySource(ReplaySource&& other) noexcept
    : name_(std::move(other.name_)),
      coins_(other.coins_),
      gz_(std::exchange(other.gz_, nullptr)),
      text_(std::move(other.text_)),
      text_pos_(other.text_pos_),
      buf_(std::move(other.buf_)),
      begin_(other.begin_),
      end_(other.end_),
      eof_(other.eof_),
      line_no_(other.line_no_),
      last_ts_(other.last_ts_),
      any_row_(other.any_row_),
      any_line_(other.any_line_),
      gz_must_be_compressed_(other.gz_must_be_compressed_),
      last_coin_(std::move(other.last_coin_)),
      last_coin_id_(other.last_coin_id_) {}

ReplaySource& ReplaySource::operator=(ReplaySource&& other) noexcept {
  if (this != &other) {
    close();
    name_ = std::move(other.name_);
    coins_ = other.coins_;
    gz_ = std::exchange(other.gz_, nullptr);
    text_ = std::move(other.text_);
    text_pos_ = other.text_pos_;
    buf_ = std::move(other.buf_);
    begin_ = other.begin_;
    end_ = other.end_;
    eof_ = other.eof_;
    line_no_ = other.line_no_;
    last_ts_ = other.last_ts_;
    any_row_ = other.any_row_;
    any_line_ = other.any_line_;
    gz_must_be_compressed_ = other.gz_must_be_compressed_;
    last_coin_ = std::move(other.last_coin_);
    last_coin_id_ = other.last_coin_id_;
  }
  return *this;
}

ReplaySource::~ReplaySource() {
  close();
}

void ReplaySource::close() {
  if (gz_) gzclose(gz_);
  gz_ = nullptr;
}

ReplaySource ReplaySource::open(const std::filesystem::path& path, const CoinTable& coins) {
  InputFile::require_regular(path, "replay file");  // a FIFO or /dev/zero would never end
  ReplaySource src(path.string(), coins);
  src.gz_ = gzopen(path.c_str(), "rb");
  const std::string name = path.filename().string();
  src.gz_must_be_compressed_ = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
  if (!src.gz_) throw ConfigError({path.string() + ": cannot open replay file: " + std::strerror(errno)});
  gzbuffer(src.gz_, 128 * 1024);
  src.buf_.resize(buffer_bytes);
  return src;
}

ReplaySource ReplaySource::from_text(std::string text, std::string_view name, const CoinTable& coins) {
  ReplaySource src{std::string(name), coins};
  // Room for the whole text (or a full buffer's worth), never less than a line needs.
  src.buf_.resize(std::min(buffer_bytes, text.size() + max_line_bytes + 2));  // lines longer are refused
  src.text_ = std::move(text);
  return src;
}

void ReplaySource::fail(const std::string& message) const {
  throw ConfigError({name_ + ":" + std::to_string(line_no_) + ": " + message});
}

void ReplaySource::fill() {
  char* const at = buf_.data() + end_;
  const std::size_t room = buf_.size() - end_;
  std::size_t got = 0;
  if (gz_) {
    const int n = gzread(gz_, at, static_cast<unsigned>(room));
    int code = Z_OK;
    const char* what = gzerror(gz_, &code);
    if (n < 0 || (code != Z_OK && code != Z_STREAM_END))
      // Z_BUF_ERROR: the input ended inside a gzip member (a cut download, a
      // copy still being written): never an early end of data (DESIGN §10).
      fail(code == Z_BUF_ERROR ? std::string("the gzip data is truncated (it ends inside a compressed stream)")
           : code == Z_ERRNO   ? std::string("cannot read: ") + std::strerror(errno)
                               : std::string("damaged gzip data: ") + what);
    if (gz_must_be_compressed_ && n > 0) {
      gz_must_be_compressed_ = false;
      if (gzdirect(gz_)) fail("the name ends in .gz but the file is not gzip-compressed");
    }
    got = static_cast<std::size_t>(n);
  } else {
    got = std::min(room, text_.size() - text_pos_);
    std::memcpy(at, text_.data() + text_pos_, got);
    text_pos_ += got;
  }
  end_ += got;
  if (got == 0) eof_ = true;
}

bool ReplaySource::next_line(std::string_view& line) {
  for (;;) {
    const char* b = buf_.data() + begin_;
    const std::size_t avail = end_ - begin_;
    if (const auto* nl = static_cast<const char*>(std::memchr(b, '\n', avail))) {
      const auto len = static_cast<std::size_t>(nl - b);
      if (len > max_line_bytes) {
        ++line_no_;
        fail("the line is longer than " + std::to_string(max_line_bytes) + " bytes");
      }
      line = std::string_view(b, len);
      begin_ += len + 1;
      return true;
    }
    if (eof_) {
      if (avail == 0) return false;
      line = std::string_view(b, avail);  // the last line has no '\n'
      begin_ = end_;
      return true;
    }
    if (avail > max_line_bytes) {
      // Refused as soon as it passes the limit, while it is being inflated:
      // a gzip bomb of one endless line is not read to its end first.
      ++line_no_;
      fail("the line is longer than " + std::to_string(max_line_bytes) + " bytes");
    }
    std::memmove(buf_.data(), b, avail);  // the partial line to the front, then more behind it
    begin_ = 0;
    end_ = avail;
    fill();
  }
}

namespace {

bool is_header(const std::array<std::string_view, 5>& f, std::size_t n) {
  static constexpr std::array<std::string_view, 5> names = {"ts_ms", "coin", "price", "bid", "ask"};
  if (n != 3 && n != 5) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (f[i].size() != names[i].size()) return false;
    for (std::size_t k = 0; k < f[i].size(); ++k)
      if (static_cast<char>(std::tolower(static_cast<unsigned char>(f[i][k]))) != names[i][k]) return false;
  }
  return true;
}

}  // namespace

ReplaySource::Read ReplaySource::next(ReplayTick& out) {
  std::string_view l;
  // Blank and comment lines cost a read but give no row: after this many
  // bytes of them the caller gets control back (signals, timers) and asks again.
  std::size_t skipped_bytes = 0;
  while (next_line(l)) {
    ++line_no_;
    if (line_no_ == 1 && l.substr(0, 3) == "\xEF\xBB\xBF") l.remove_prefix(3);  // a UTF-8 byte order mark
    l = trim(l);
    if (l.empty() || l.front() == '#') {
      skipped_bytes += l.size() + 1;
      if (skipped_bytes >= skip_budget_bytes) return Read::Later;
      continue;
    }
    std::array<std::string_view, 5> f;
    std::size_t n = 0;
    for (std::size_t start = 0;; ++n) {
      const auto comma = l.find(',', start);
      if (n < f.size()) f[n] = trim(l.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    ++n;
    // The header, if any, is the first line that is neither blank nor a
    // comment, and it names exactly the columns; any other first line is data.
    const bool first = !any_line_;
    any_line_ = true;
    if (first && is_header(f, n)) continue;
    if (n != 3 && n != 5) fail("expected 3 fields ts_ms,coin,price or 5 fields ts_ms,coin,price,bid,ask");
    ReplayTick t;
    const auto ts_res = std::from_chars(f[0].data(), f[0].data() + f[0].size(), t.ts_ms);
    if (ts_res.ec != std::errc{} || ts_res.ptr != f[0].data() + f[0].size())
      fail("ts_ms: '" + show(f[0]) + "' is not an integer of epoch milliseconds" +
           (first ? " (nor is the line the header ts_ms,coin,price[,bid,ask])" : ""));
    if (t.ts_ms < 0 || t.ts_ms > TimeFormat::max_epoch_ms)
      fail("ts_ms: " + std::to_string(t.ts_ms) + " is not a time from 1970 to 9999 in epoch milliseconds");
    if (!any_row_ || f[1] != last_coin_) {
      const auto coin = coins_->find(f[1]);
      if (!coin) fail("coin: '" + show(f[1]) + "' is not one of the configured [trading] coins");
      last_coin_.assign(f[1]);
      last_coin_id_ = *coin;
    }
    t.coin = last_coin_id_;
    t.has_price = !f[2].empty() || n == 3;
    if (t.has_price && !real_price(f[2], t.price)) fail(not_a_price("price", f[2]));
    if (n == 5) {
      Quote& q = t.quote;
      q.has_bid = !f[3].empty();
      q.has_ask = !f[4].empty();
      q.ts_ms = t.ts_ms;
      if (q.has_bid && !real_price(f[3], q.bid)) fail(not_a_price("bid", f[3]));
      if (q.has_ask && !real_price(f[4], q.ask)) fail(not_a_price("ask", f[4]));
      t.has_quote = q.has_bid || q.has_ask;
      if (!t.has_price && !t.has_quote) fail("the row has no price, no bid and no ask");
    }
    if (t.ts_ms < last_ts_)
      fail("ts_ms goes backwards (" + std::to_string(t.ts_ms) + " after " + std::to_string(last_ts_) + ")");
    last_ts_ = t.ts_ms;
    any_row_ = true;
    out = t;
    return Read::Row;
  }
  return Read::End;
}

}  // namespace tradingd
