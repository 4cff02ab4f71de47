#pragma once
// PricePath: the trades exchange-sim plays, in order: rows of a CSV file
// (ts_ms,symbol,price) or a seeded random walk, one step per symbol in turn.
// Deterministic for a given file or seed.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace tradingd::sim {

struct SimTrade {
  std::string symbol;  // upper case, BTCUSDT
  double price = 0.0;
  // The exchange's trade id / sequence: one per trade of the path, the same on
  // every connection that carries it (a client may see it twice, and dedupe).
  std::uint64_t id = 0;
};

class PricePath {
 public:
  // Throws std::runtime_error naming the file and line.
  static PricePath from_csv(const std::filesystem::path& file, bool loop);
  static PricePath random_walk(std::vector<std::pair<std::string, double>> start, std::uint64_t seed,
                               std::uint64_t length);

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

  std::vector<std::string> symbols_;
  std::uint64_t played_ = 0;
};

}  // namespace tradingd::sim
