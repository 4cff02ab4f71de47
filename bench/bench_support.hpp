#pragma once
// What the benchmarks share: price paths, recorded exchange frames, a sink
// that only counts, and the linear-scan baseline the indexed Sniper is
// measured beside.

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/position.hpp"
#include "tradingd/feed/frame_parser.hpp"
#include "tradingd/feed/symbol_table.hpp"
#include "tradingd/sniper/armed_condition.hpp"
#include "tradingd/sniper/record_sink.hpp"
#include "tradingd/sniper/sniper.hpp"

namespace tradingd::bench {

inline constexpr std::int64_t t0 = 1'764'158'400'000;

struct Tick {
  CoinId coin;
  double price;
  std::int64_t ts;
};

// A random walk over `coins` coins from 100, ten ticks a millisecond.
inline std::vector<Tick> random_walk(std::size_t n, std::size_t coins, std::int64_t start, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> price(coins, 100.0);
  std::vector<Tick> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<CoinId>(rng() % coins);
    price[c] *= 1.0 + u(rng) * 0.002;
    out.push_back({c, price[c], start + static_cast<std::int64_t>(i / 10)});
  }
  return out;
}

// Prices uniform in [95, 105] over `coins` coins: every level outside stays out of reach.
inline std::vector<Tick> band_walk(std::size_t n, std::size_t coins, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> band(95.0, 105.0);
  std::vector<Tick> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({static_cast<CoinId>(rng() % coins), band(rng), t0 + static_cast<std::int64_t>(i / 10)});
  return out;
}

// Records nothing, counts what it is given.
struct NullSink final : RecordSink {
  void submit(JournalRecord&&) override { ++records; }
  [[nodiscard]] bool congested() const override { return false; }
  std::uint64_t records = 0;
};

// The baseline for the indexed Sniper: what its tick path did before the
// ArmedBook, a walk over every armed condition of the coin checking expiry and
// trigger. Only that walk (no exits, no records), so it flatters the baseline.
class LinearScanBaseline {
 public:
  LinearScanBaseline(std::size_t coins, const std::vector<ArmedCondition>& armed) : armed_(coins) {
    for (const auto& c : armed) armed_[c.coin].push_back(c);
  }
  void on_price_tick(CoinId coin, double price, std::int64_t ts_ms) {
    for (const ArmedCondition& c : armed_[coin]) {
      if (c.expired_at(ts_ms))
        ++due_;
      else if (c.fires_at(price))
        ++due_;
    }
  }
  [[nodiscard]] std::uint64_t due() const { return due_; }

 private:
  std::vector<std::vector<ArmedCondition>> armed_;
  std::uint64_t due_ = 0;
};

// A Sniper with `open` open LONG positions (coins 0..open-1, levels out of
// the band) and `armed` conditions that never fire in band_walk's prices.
inline void arm_far(Sniper& sniper, const CoinTable& coins, std::size_t open, std::size_t armed, std::uint64_t seed) {
  for (CoinId c = 0; c < open; ++c) {
    Position p;
    p.id = "T-" + std::to_string(c);
    p.coin = c;
    p.direction = Direction::Long;
    p.size_usd = 10;
    p.entry_price = p.entry_mark = p.best_price = 105;
    p.qty = 0.1;
    p.entry_ms = t0;
    p.stop_loss_price = 50.0;
    p.take_profit_price = 200.0;
    sniper.restore_position(p);
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> far(0.0, 1.0);
  for (std::size_t i = 0; i < armed; ++i) {
    TradeCondition c;
    c.id = "far-" + std::to_string(i);
    c.coin = coins.name(static_cast<CoinId>(i % coins.size()));
    c.direction = Direction::Long;
    const bool above = i % 2 == 0;
    c.trigger_type = above ? TriggerType::Above : TriggerType::Below;
    c.trigger_price = above ? 110.0 + 50.0 * far(rng) : 90.0 - 50.0 * far(rng);
    c.stop_loss_pct = 0.01;
    c.position_size_usd = 10;
    c.created_at_ms = t0;
    c.valid_until_ms = t0 + 86'400'000;
    if (auto err = sniper.arm(c)) {
      std::fprintf(stderr, "arming %s: %s\n", c.id.c_str(), err->message.c_str());
      std::abort();
    }
  }
}

// One public trade a frame, as each exchange sends it.
inline std::vector<std::string> trade_frames(FeedProtocol protocol, const SymbolTable& symbols,
                                             const std::vector<Tick>& walk) {
  std::vector<std::string> frames;
  frames.reserve(walk.size());
  char buf[512];
  for (std::size_t i = 0; i < walk.size(); ++i) {
    const auto& t = walk[i];
    const std::string& sym = symbols.symbol(t.coin);
    if (protocol == FeedProtocol::Bybit)
      std::snprintf(buf, sizeof buf,
                    R"({"topic":"publicTrade.%s","ts":%lld,"type":"snapshot","data":[{"i":"%zu","T":%lld,)"
                    R"("p":"%.2f","v":"0.00903","S":"Buy","s":"%s","seq":%zu,"BT":false,"RPI":false}]})",
                    sym.c_str(), static_cast<long long>(t.ts), i, static_cast<long long>(t.ts), t.price, sym.c_str(),
                    i);
    else
      std::snprintf(buf, sizeof buf,
                    R"({"stream":"%s@trade","data":{"e":"trade","E":%lld,"s":"%s","t":%zu,"p":"%.8f",)"
                    R"("q":"0.01000000","T":%lld,"m":true,"M":true}})",
                    "btcusdt", static_cast<long long>(t.ts), sym.c_str(), i, t.price, static_cast<long long>(t.ts));
    frames.emplace_back(buf);
  }
  return frames;
}

}  // namespace tradingd::bench
