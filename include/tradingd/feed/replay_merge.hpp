#pragma once
// ReplayMerge: every source of a replay merged into one stream by time
// (design.md §10 "Merge"): at µs, the finest unit any source has; equal times
// keep the order of the sources, then the order of rows in a file.
//
// Start-up probes every file: its format, symbol and first row, so a file
// that cannot be read stops start-up before anything is journaled. A file is
// then held open only from its first row's turn to its end, so a directory
// of a year of daily files keeps open only the files whose times overlap.
// Rows are read one ahead per open file, as they are replayed.
//
// Built at start-up (main thread), then used on the io thread only.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/feed/archive_source.hpp"
#include "tradingd/feed/replay_tick.hpp"
#include "tradingd/feed/symbol_table.hpp"

namespace tradingd {

class ReplayMerge {
 public:
  // Probes every file. `coins` must outlive the merge. Throws ConfigError
  // naming the file (and line) that cannot be replayed, or "no ticks".
  ReplayMerge(const std::vector<std::filesystem::path>& files, const CoinTable& coins, std::string_view quote,
              std::optional<ArchiveFormat> format);
  // Sources already open (tests; they are never closed and opened again).
  ReplayMerge(std::vector<ArchiveSource> sources, const CoinTable& coins, std::string_view quote);

  ReplayMerge(ReplayMerge&&) noexcept;
  ReplayMerge& operator=(ReplayMerge&&) noexcept;
  ~ReplayMerge();

  using Read = ArchiveSource::Read;
  // Row: the next row by time is in `out`. Later: ask again after letting
  // signals and timers in. End: every source is exhausted. Throws ConfigError
  // for a bad row, naming file and line; the rows returned before it stand.
  Read next(ReplayTick& out);
  bool next_row(ReplayTick& out) {
    Read r;
    while ((r = next(out)) == Read::Later) {
    }
    return r == Read::Row;
  }

  // "BTCUSDT-trades-2025-01-01.zip (binance-trades)" or "3 files (2 binance-trades, 1 bybit-trades)".
  [[nodiscard]] std::string describe() const;
  [[nodiscard]] std::size_t file_count() const { return entries_.size(); }
  // Rows skipped because their symbol is not a configured coin, so far:
  // "ETHBTC 1,234 rows" each, and "FILE (SYMBOL)" for each file skipped whole.
  [[nodiscard]] std::vector<std::string> skipped_report() const;

 private:
  struct Entry {
    std::filesystem::path path;  // empty for a source given open
    std::string name;
    ArchiveFormat format = ArchiveFormat::Tradingd;
    std::optional<ArchiveSource> source;  // open from its first row's turn to its end
    ReplayTick head;                      // its next row
  };
  void probe(const std::filesystem::path& path);
  void activate(Entry& e);
  void push(std::uint32_t index);
  void sift_down(std::size_t at);
  void retire(Entry& e);

  std::unique_ptr<SymbolTable> symbols_;
  ArchiveSource::Context context_;
  std::vector<Entry> entries_;
  // Entries with a row waiting, a binary min-heap on (time, order): the key is
  // held here, so ordering never touches the entries themselves.
  struct Key {
    std::int64_t ts_us;
    std::uint32_t index;
    [[nodiscard]] bool before(const Key& o) const { return ts_us != o.ts_us ? ts_us < o.ts_us : index < o.index; }
  };
  std::vector<Key> heap_;
  bool refill_ = false;                                // the top entry's row was handed out: read its next one first
  std::map<std::string, std::uint64_t> skipped_rows_;  // of retired sources
  std::vector<std::string> skipped_files_;
};

}  // namespace tradingd
