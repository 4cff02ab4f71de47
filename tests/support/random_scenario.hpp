#pragma once
// RandomScenario: a seeded random price path over a few coins with many
// conditions around it, for property tests (unit, against the Sniper) and the
// replay determinism test (integration, against the tradingd binary).

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tradingd/domain/trade_condition.hpp"

namespace tradingd::test {

struct ScenarioTick {
  std::int64_t ts = 0;
  std::string coin;
  double price = 0.0;
};

struct Scenario {
  std::vector<TradeCondition> conditions;
  std::vector<ScenarioTick> ticks;
};

inline Scenario make_scenario(std::uint32_t seed, std::size_t n_ticks, std::size_t n_conditions,
                              std::int64_t start_ms) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::vector<std::string> coins = {"BTC", "ETH", "SOL"};
  std::vector<double> price = {42000.0, 2200.0, 95.0};
  Scenario s;
  std::int64_t t = start_ms;
  for (std::size_t i = 0; i < n_ticks; ++i) {
    const std::size_t k = static_cast<std::size_t>(u(rng) * 3) % 3;
    price[k] *= 1.0 + (u(rng) - 0.5) * 0.01;  // +-0.5 % steps: exits happen within tens of ticks
    double p = price[k];
    const double bad = u(rng);
    if (bad < 0.01)
      p = std::nan("");
    else if (bad < 0.015)
      p = -p;
    else if (bad < 0.02)
      p = 0.0;
    t += static_cast<std::int64_t>(u(rng) * 400);  // several ticks per second, sometimes the same ms
    s.ticks.push_back({t, coins[k], p});
  }
  const std::int64_t span = t - start_ms + 1;
  for (std::size_t i = 0; i < n_conditions; ++i) {
    TradeCondition c;
    const std::size_t k = static_cast<std::size_t>(u(rng) * 3) % 3;
    const double base = k == 0 ? 42000.0 : k == 1 ? 2200.0 : 95.0;
    c.id = "c" + std::to_string(seed) + "-" + std::to_string(i);
    c.coin = coins[k];
    c.direction = u(rng) < 0.5 ? Direction::Long : Direction::Short;
    c.trigger_type = u(rng) < 0.5 ? TriggerType::Above : TriggerType::Below;
    c.trigger_price = base * (1.0 + (u(rng) - 0.5) * 0.04);
    c.stop_loss_pct = 0.002 + u(rng) * 0.02;
    c.take_profit_pct = 0.002 + u(rng) * 0.02;
    c.position_size_usd = 5.0 + std::floor(u(rng) * 60.0);
    c.strategy_id = u(rng) < 0.5 ? "alpha" : "beta";
    c.created_at_ms = start_ms;
    c.valid_until_ms = start_ms + 1 + static_cast<std::int64_t>(u(rng) * static_cast<double>(span));
    s.conditions.push_back(c);
  }
  return s;
}

}  // namespace tradingd::test
