#include "tradingd/sim/price_path.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "tradingd/config/config_error.hpp"
#include "tradingd/feed/replay_paths.hpp"

namespace tradingd::sim {
namespace {

constexpr double walk_volatility = 0.0008;  // per step, log-normal

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Six significant digits, like a real order book's tick size.
double round_price(double p) {
  const double scale = std::pow(10.0, 5 - static_cast<int>(std::floor(std::log10(p))));
  return std::round(p * scale) / scale;
}

}  // namespace

PricePath PricePath::from_csv(const std::filesystem::path& file, bool loop) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  PricePath path;
  path.loop_ = loop;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#' || line.rfind("ts_ms", 0) == 0) continue;  // comments, header
    const auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    auto fail = [&](const char* why) {
      throw std::runtime_error(file.string() + ":" + std::to_string(n) + ": " + why + ": " + line);
    };
    if (c1 == std::string::npos || c2 == std::string::npos) fail("expected ts_ms,symbol,price");
    SimTrade t{upper(line.substr(c1 + 1, c2 - c1 - 1)), 0.0};
    const char* b = line.data() + c2 + 1;
    const char* e = line.data() + line.size();
    const auto [p, ec] = std::from_chars(b, e, t.price);
    if (ec != std::errc() || p != e || !(t.price > 0)) fail("price is not a positive number");
    if (t.symbol.empty()) fail("empty symbol");
    if (std::find(path.symbols_.begin(), path.symbols_.end(), t.symbol) == path.symbols_.end())
      path.symbols_.push_back(t.symbol);
    path.rows_.push_back(std::move(t));
  }
  if (path.rows_.empty()) throw std::runtime_error(file.string() + ": no rows");
  return path;
}

PricePath PricePath::random_walk(std::vector<std::pair<std::string, double>> start, std::uint64_t seed,
                                 std::uint64_t length) {
  PricePath path;
  path.walk_ = true;
  path.walk_length_ = length;
  path.rng_.seed(seed);
  for (auto& [symbol, price] : start) {
    path.symbols_.push_back(upper(symbol));
    path.walk_prices_.push_back(price);
  }
  return path;
}

PricePath PricePath::play(const std::vector<std::string>& sources, std::optional<ArchiveFormat> format,
                          const std::vector<std::string>& coins, const std::string& quote) {
  PricePath path;
  path.coins_ = std::make_shared<CoinTable>(coins);
  path.quote_ = upper(quote);
  path.merge_ = std::make_shared<ReplayMerge>(ReplayPaths::expand(sources), *path.coins_, quote, format);
  for (const auto& c : coins) path.symbols_.push_back(upper(c) + path.quote_);
  spdlog::info("playing {}", path.merge_->describe());
  return path;
}

const SimTrade* PricePath::peek(std::size_t k) {
  while (ahead_.size() <= k) {
    if (merge_) {
      if (play_ended_) return nullptr;
      ReplayTick row;
      bool got = false;
      try {
        got = merge_->next_row(row);
      } catch (const ConfigError& e) {
        spdlog::error("play stopped: {}", e.errors().front());
      }
      if (!got) {
        play_ended_ = true;
        return nullptr;
      }
      SimTrade t;
      t.symbol = upper(coins_->name(row.coin)) + quote_;
      t.price = row.price;
      t.ts_ms = row.ts_ms;
      t.trade = row.has_price;
      t.quote = row.has_quote;
      t.has_bid = row.quote.has_bid;
      t.has_ask = row.quote.has_ask;
      t.bid = row.quote.bid;
      t.ask = row.quote.ask;
      if (!t.trade) t.price = t.has_bid ? t.bid : t.ask;
      t.id = ++generated_;
      ahead_.push_back(std::move(t));
    } else if (walk_) {
      if (walk_length_ && generated_ >= walk_length_) return nullptr;
      const std::size_t i = generated_++ % symbols_.size();
      std::normal_distribution<double> step(0.0, walk_volatility);
      walk_prices_[i] = round_price(walk_prices_[i] * std::exp(step(rng_)));
      ahead_.push_back(SimTrade{symbols_[i], walk_prices_[i], generated_});
    } else {
      if (next_ >= rows_.size()) {
        if (!loop_) return nullptr;
        next_ = 0;
      }
      ahead_.push_back(rows_[next_++]);
      ahead_.back().id = ++generated_;
    }
  }
  return &ahead_[k];
}

void PricePath::advance() {
  if (!peek()) return;
  ahead_.pop_front();
  ++played_;
}

}  // namespace tradingd::sim
