#pragma once
// ReplaySource: a recorded price path from CSV (`ts_ms,coin,price`, header
// optional), loaded and checked whole at start-up so a bad line stops the run
// before trading starts (ConfigError naming file and line). Timestamps must not
// go backwards: tick time is the clock during a replay.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "tradingd/domain/coin_table.hpp"

namespace tradingd {

struct ReplayTick {
  std::int64_t ts_ms = 0;
  CoinId coin = 0;
  double price = 0.0;
};

class ReplaySource {
 public:
  [[nodiscard]] static ReplaySource load(const std::filesystem::path& path, const CoinTable& coins);

  [[nodiscard]] const std::vector<ReplayTick>& ticks() const { return ticks_; }

 private:
  std::vector<ReplayTick> ticks_;
};

}  // namespace tradingd
