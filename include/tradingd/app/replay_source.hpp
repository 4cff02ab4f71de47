#pragma once
// ReplaySource: a recorded price path from CSV, read row by row as it is
// replayed: memory stays at one buffer whatever the file's size, and the first
// row trades before the file has been read whole. Rows are
// `ts_ms,coin,price[,bid,ask]` (DESIGN §1): blank lines and `#` comments
// anywhere; the first other line may be the header naming exactly those
// columns, and any other first line must be a valid row. A row with a
// price is a trade, and its bid/ask, when given, update the coin's quote
// first; a row with an empty price and a bid and/or ask is a quote update only.
// Timestamps must not go backwards: tick time is the clock during a replay.
// A file whose name ends in `.gz` may be gzip-compressed (zlib reads plain
// files through the same calls). A bad row throws ConfigError naming file and
// line: before the first tick that is a start-up error, after it the replay
// stops there (TradingSystem), with everything before it journaled.
//
// Used on the io thread only (or at start-up, before it runs).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/quote.hpp"

struct gzFile_s;  // zlib's file handle; zlib.h stays out of this header

namespace tradingd {

struct ReplayTick {
  std::int64_t ts_ms = 0;
  CoinId coin = 0;
  double price = 0.0;
  bool has_price = true;   // false: a quote-only row
  bool has_quote = false;  // `quote` holds the row's bid and/or ask, stamped with ts_ms
  Quote quote;
};

class ReplaySource {
 public:
  // A row is a few dozen bytes; a longer line is refused without being held whole.
  static constexpr std::size_t max_line_bytes = 4096;

  // Opens `path` (a regular file; plain or gzip). Throws ConfigError.
  [[nodiscard]] static ReplaySource open(const std::filesystem::path& path, const CoinTable& coins);
  // The same over text in memory; `name` labels messages ("name:line: ...").
  [[nodiscard]] static ReplaySource from_text(std::string text, std::string_view name, const CoinTable& coins);

  ReplaySource(ReplaySource&& other) noexcept;
  ReplaySource& operator=(ReplaySource&& other) noexcept;
  ReplaySource(const ReplaySource&) = delete;
  ReplaySource& operator=(const ReplaySource&) = delete;
  ~ReplaySource();

  // Row: the next row is in `out`. Later: only blank or comment lines were
  // read so far (a megabyte of them): ask again, after letting signals and
  // timers in. End: the input is exhausted. Throws ConfigError for a bad row,
  // a line over max_line_bytes (as soon as it passes the limit), a damaged or
  // truncated gzip stream, or a read error, naming file and line.
  enum class Read { Row, Later, End };
  Read next(ReplayTick& out);
  // next() until a row or the end: true with a row in `out`.
  bool next_row(ReplayTick& out) {
    Read r;
    while ((r = next(out)) == Read::Later) {
    }
    return r == Read::Row;
  }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::size_t line() const { return line_no_; }

 private:
  ReplaySource(std::string name, const CoinTable& coins);
  static constexpr std::size_t skip_budget_bytes = 1 << 20;
  bool next_line(std::string_view& line);
  void fill();  // more bytes behind end_; sets eof_ at the end of input
  [[noreturn]] void fail(const std::string& message) const;
  void close();

  std::string name_;
  const CoinTable* coins_;
  gzFile_s* gz_ = nullptr;  // a file, or
  std::string text_;        // text in memory
  std::size_t text_pos_ = 0;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::size_t line_no_ = 0;
  std::int64_t last_ts_ = INT64_MIN;
  bool any_row_ = false;
  bool any_line_ = false;                // a line other than blank or comment was read (the header's place)
  bool gz_must_be_compressed_ = false;  // the name ends in .gz: plain text there is a damaged file
  // The last coin seen and its id: rows of one coin come in runs.
  std::string last_coin_;
  CoinId last_coin_id_ = 0;
};

}  // namespace tradingd
