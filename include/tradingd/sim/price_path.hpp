#pragma once
// PricePath: the trades exchange-sim plays, in order: rows of a CSV file
// (ts_ms,symbol,price), a seeded random walk, one step per symbol in turn, or
// (--play) the rows of any replay source of design.md §10, trades and quotes
// with their times, streamed. Deterministic for a given input.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/feed/archive_format.hpp"
#include "tradingd/feed/replay_merge.hpp"

namespace tradingd::sim {

struct SimTrade {
  std::string symbol;  // upper case, BTCUSDT
  double price = 0.0;
  // The exchange's trade id / sequence: one per trade of the path, the same on
  // every connection that carries it (a client may see it twice, and dedupe).
  std::uint64_t id = 0;
  // --play: the row's time, whether it is a trade, and the quote it carries.
  std::int64_t ts_ms = 0;
  bool trade = true;
  bool quote = false;  // bid/ask below, from the data (else quotes are made around the price)
  bool has_bid = false, has_ask = false;
  double bid = 0.0, ask = 0.0;
};

class PricePath {
 public:
  // Throws std::runtime_error naming the file and line.
  static PricePath from_csv(const std::filesystem::path& file, bool loop);
  static PricePath random_walk(std::vector<std::pair<std::string, double>> start, std::uint64_t seed,
                               std::uint64_t length);
  // --play: every row of `sources` (files, directories, globs in any §10
  // format) merged by time, the symbols of `coins` quoted in `quote`. Throws
  // ConfigError naming a file that cannot be played; a bad row later ends the
  // path there (logged).
  static PricePath play(const std::vector<std::string>& sources, std::optional<ArchiveFormat> format,
                        const std::vector<std::string>& coins, const std::string& quote);
  [[nodiscard]] bool playing() const { return merge_ != nullptr; }

  // The k-th trade from now without taking it; nullptr past the end.
  [[nodiscard]] const SimTrade* peek(std::size_t k = 0);
  // Takes the next trade.
  void advance();
  [[nodiscard]] std::uint64_t played() const { return played_; }
  // Every symbol the path can play: the server's listed symbols.
  [[nodiscard]] const std::vector<std::string>& symbols() const { return symbols_; }

 private:
  std::vector<SimTrade> rows_;
  bool loop_ = false;
  std::size_t next_ = 0;

  bool walk_ = false;
  std::uint64_t walk_length_ = 0;
  std::vector<double> walk_prices_;
  std::mt19937_64 rng_;
  std::uint64_t generated_ = 0;

  std::deque<SimTrade> ahead_;  // generated, not yet taken

  // --play
  std::shared_ptr<CoinTable> coins_;
  std::shared_ptr<ReplayMerge> merge_;
  std::string quote_;
  bool play_ended_ = false;

  std::vector<std::string> symbols_;
  std::uint64_t played_ = 0;
};

}  // namespace tradingd::sim
