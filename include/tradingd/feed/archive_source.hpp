#pragma once
// ArchiveSource: the rows of one replay file in any format of design.md §10,
// read as they are replayed: memory stays at one LineReader's buffer whatever
// the file's size. Opening reads the first line and tells the format from it
// and the file's name (or takes --format), the columns from its header or
// their published order, and the symbol from a column or the name.
//
// Rules every format shares: blank lines and `#` comments are skipped; a row
// whose symbol is not a configured coin is skipped and counted (a file whose
// name gives such a symbol is skipped whole); in tradingd's own rows the coin
// must be configured. Time never goes backwards within a file. A price, bid
// or ask that is not a real price, a quantity that is not finite and >= 0,
// a bad time or flag, or a wrong number of fields makes the row malformed:
// ConfigError "file:line: column: why".
//
// One thread at a time (main at start-up, then the io thread).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/feed/archive_format.hpp"
#include "tradingd/feed/csv_line.hpp"
#include "tradingd/feed/line_reader.hpp"
#include "tradingd/feed/replay_tick.hpp"
#include "tradingd/feed/symbol_table.hpp"

namespace tradingd {

class ArchiveSource {
 public:
  // What every source of a run shares (copied; the tables must outlive the sources).
  struct Context {
    const CoinTable* coins = nullptr;      // tradingd's rows name coins
    const SymbolTable* symbols = nullptr;  // the archives name exchange symbols
    std::optional<ArchiveFormat> forced;   // --format
  };

  // Opens `path` and reads up to its first line that is not blank or a
  // comment. Throws ConfigError naming the file (and line).
  [[nodiscard]] static ArchiveSource open(const std::filesystem::path& path, const Context& context);
  // The same over text in memory; `name` stands for the file's name.
  [[nodiscard]] static ArchiveSource from_text(std::string text, std::string_view name, const Context& context);

  // Row: the next row is in `out`. Later: only blank, comment or skipped lines
  // were read so far (a megabyte of them): ask again after letting signals and
  // timers in. End: the file is exhausted. Throws ConfigError for a bad row
  // or a damaged container, naming file and line.
  enum class Read { Row, Later, End };
  Read next(ReplayTick& out);
  // next() until a row or the end: true with a row in `out`.
  bool next_row(ReplayTick& out) {
    Read r;
    while ((r = next(out)) == Read::Later) {
    }
    return r == Read::Row;
  }

  [[nodiscard]] const std::string& name() const { return reader_.name(); }
  [[nodiscard]] std::size_t line() const { return line_no_; }
  [[nodiscard]] ArchiveFormat format() const { return format_; }
  // The symbol the file's name gives its rows ("" when the rows carry theirs).
  [[nodiscard]] const std::string& file_symbol() const { return file_symbol_; }
  // The name gives a symbol that is not a configured coin: no row is read.
  [[nodiscard]] bool skipped_whole() const { return skipped_whole_; }
  // Rows skipped because their symbol is not a configured coin, by symbol
  // (the first 32 symbols; the rest counted under "other symbols").
  [[nodiscard]] const std::vector<std::pair<std::string, std::uint64_t>>& skipped() const { return skipped_; }

 private:
  ArchiveSource(LineReader reader, const Context& context);
  void detect();
  [[noreturn]] void fail(const std::string& message);
  bool parse_row(std::string_view line, ReplayTick& out);        // false: skipped (symbol not configured)
  void parse_tradingd(ReplayTick& out);                          // the split line as ts_ms,coin,price[,bid,ask]
  bool parse_recording(std::string_view line, ReplayTick& out);  // false: not a tick or quote, or a coin skipped
  void count_skipped(std::string_view symbol);
  [[nodiscard]] std::string column_name(std::size_t i) const;

  LineReader reader_;
  Context context_;
  ArchiveFormat format_ = ArchiveFormat::Tradingd;
  ArchiveLayout layout_;
  std::vector<std::string> header_;  // the header's own names, when it has one
  CsvLine csv_;
  std::string first_line_;  // read by detect(), parsed by the first next()
  bool first_pending_ = false;
  std::size_t first_line_no_ = 0;
  std::size_t line_no_ = 0;  // of the line being parsed
  std::int64_t last_us_ = INT64_MIN;
  std::string file_symbol_;
  CoinId file_coin_ = 0;
  bool skipped_whole_ = false;
  // The last symbol seen and what it maps to: rows of one symbol come in runs.
  std::string last_symbol_;
  std::optional<CoinId> last_coin_;
  bool any_symbol_ = false;
  std::vector<std::pair<std::string, std::uint64_t>> skipped_;
  struct CoinWord {
    std::uint64_t word = 0;
    std::size_t size = 9;
  };
  std::vector<CoinWord> coin_words_;  // by coin id (parse_tradingd)
  bool coin_long_names_ = false;      // a configured coin is longer than 8 bytes
};

}  // namespace tradingd
