#pragma once
// RandomScenario: a seeded random price path over a few coins with many
// conditions around it, for property tests (unit, against the Sniper) and the
// replay determinism test (integration, against the tradingd binary).
// make_scenario: trades and fixed stop-loss / take-profit only.
// make_rich_scenario: trades and quotes (some invalid, some one-sided, some
// stale), with trailing stops, activations, time limits, OCO groups and exits
// of 0 mixed in, and settings (fills, slippage, quote age, cooldown) of its own.

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd::test {

// One replay row: a trade, a quote, or a trade with the quote it came with
// (the quote first).
struct ScenarioTick {
  std::int64_t ts = 0;
  std::string coin;
  double price = 0.0;
  bool has_price = true;
  bool has_bid = false, has_ask = false;
  double bid = 0.0, ask = 0.0;
  [[nodiscard]] bool has_quote() const { return has_bid || has_ask; }
};

struct Scenario {
  std::vector<TradeCondition> conditions;
  std::vector<ScenarioTick> ticks;
  RiskSettings risk;
  PaperSettings paper;
};

inline const std::vector<std::string>& scenario_coins() {
  static const std::vector<std::string> coins = {"BTC", "ETH", "SOL"};
  return coins;
}

namespace detail {

// Rows of a random walk: +-0.5 % steps, so exits happen within tens of ticks;
// a few invalid prices; several ticks per second, sometimes the same ms.
// `invalid`: also prices and bids that are no real price (design.md §4 step 1),
// which the Sniper drops; a replay file refuses them (§10), so rows meant for
// one are made without (the same draws: the rest of the scenario is the same).
inline std::vector<ScenarioTick> walk(std::mt19937_64& rng, std::size_t n_ticks, std::int64_t start_ms,
                                      bool with_quotes, bool invalid) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> price = {42000.0, 2200.0, 95.0};
  std::vector<ScenarioTick> out;
  std::int64_t t = start_ms;
  for (std::size_t i = 0; i < n_ticks; ++i) {
    const std::size_t k = static_cast<std::size_t>(u(rng) * 3) % 3;
    price[k] *= 1.0 + (u(rng) - 0.5) * 0.01;
    double p = price[k];
    const double bad = u(rng);
    if (!invalid)
      ;
    else if (bad < 0.01)
      p = std::nan("");
    else if (bad < 0.015)
      p = -p;
    else if (bad < 0.02)
      p = 0.0;
    // Longer gaps now and then, so quotes go stale and time limits pass.
    t += static_cast<std::int64_t>(u(rng) * (with_quotes && u(rng) < 0.05 ? 4000 : 400));
    ScenarioTick row{t, scenario_coins()[k], p};
    if (with_quotes) {
      const double q = u(rng);
      if (q < 0.55) {
        // A quote around the price, half a spread each side, up to 0.3 %.
        const double half = price[k] * u(rng) * 0.0015;
        row.has_bid = row.has_ask = true;
        row.bid = price[k] - half;
        row.ask = price[k] + half;
        const double odd = u(rng);
        if (odd < 0.04)
          row.has_ask = false;  // one side empty
        else if (odd < 0.08)
          row.has_bid = false;
        else if (odd < 0.10)
          std::swap(row.bid, row.ask), row.bid += price[k] * 0.001;  // crossed: dropped
        else if (odd < 0.11 && invalid)
          row.bid = 0.0;                          // zero: dropped
        if (u(rng) < 0.3) row.has_price = false;  // a quote-only row
      }
    }
    out.push_back(row);
  }
  return out;
}

inline TradeCondition base_condition(std::mt19937_64& rng, std::uint32_t seed, std::size_t i, std::int64_t start_ms,
                                     std::int64_t span) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  TradeCondition c;
  const std::size_t k = static_cast<std::size_t>(u(rng) * 3) % 3;
  const double base = k == 0 ? 42000.0 : k == 1 ? 2200.0 : 95.0;
  c.id = "c" + std::to_string(seed) + "-" + std::to_string(i);
  c.coin = scenario_coins()[k];
  c.direction = u(rng) < 0.5 ? Direction::Long : Direction::Short;
  c.trigger_type = u(rng) < 0.5 ? TriggerType::Above : TriggerType::Below;
  c.trigger_price = base * (1.0 + (u(rng) - 0.5) * 0.04);
  c.stop_loss_pct = 0.002 + u(rng) * 0.02;
  c.take_profit_pct = 0.002 + u(rng) * 0.02;
  c.position_size_usd = 5.0 + std::floor(u(rng) * 60.0);
  c.strategy_id = u(rng) < 0.5 ? "alpha" : "beta";
  c.created_at_ms = start_ms;
  c.valid_until_ms = start_ms + 1 + static_cast<std::int64_t>(u(rng) * static_cast<double>(span));
  return c;
}

}  // namespace detail

inline Scenario make_scenario(std::uint32_t seed, std::size_t n_ticks, std::size_t n_conditions, std::int64_t start_ms,
                              bool invalid_prices = true) {
  std::mt19937_64 rng(seed);
  Scenario s;
  s.ticks = detail::walk(rng, n_ticks, start_ms, false, invalid_prices);
  const std::int64_t span = s.ticks.back().ts - start_ms + 1;
  for (std::size_t i = 0; i < n_conditions; ++i)
    s.conditions.push_back(detail::base_condition(rng, seed, i, start_ms, span));
  s.risk.max_positions = 4;
  s.risk.max_position_per_coin = 2;
  s.risk.max_exposure_pct = 0.15;
  return s;
}

inline Scenario make_rich_scenario(std::uint32_t seed, std::size_t n_ticks, std::size_t n_conditions,
                                   std::int64_t start_ms, bool invalid_prices = true) {
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Scenario s;
  s.ticks = detail::walk(rng, n_ticks, start_ms, true, invalid_prices);
  const std::int64_t span = s.ticks.back().ts - start_ms + 1;
  for (std::size_t i = 0; i < n_conditions; ++i) {
    TradeCondition c = detail::base_condition(rng, seed, i, start_ms, span);
    if (u(rng) < 0.2) c.stop_loss_pct = 0.0;
    if (u(rng) < 0.2) c.take_profit_pct = 0.0;
    if (u(rng) < 0.5) {
      c.trailing_stop_pct = 0.001 + u(rng) * 0.01;
      c.trailing_activation_pct = u(rng) < 0.5 ? 0.0 : u(rng) * 0.006;
      // Now and then the trail sits exactly on the stop-loss until the best
      // price moves: a tie, which is a STOP_LOSS (design.md §4 step 2).
      if (c.stop_loss_pct > 0 && u(rng) < 0.2) {
        c.trailing_stop_pct = c.stop_loss_pct;
        c.trailing_activation_pct = 0.0;
      }
    }
    if (u(rng) < 0.35) c.max_hold_ms = 200 + static_cast<std::int64_t>(u(rng) * 8000);
    if (u(rng) < 0.35) c.oco_group = "g" + std::to_string(static_cast<int>(u(rng) * 4));
    if (c.stop_loss_pct == 0 && c.take_profit_pct == 0 && !c.trailing_stop_pct && !c.max_hold_ms)
      c.stop_loss_pct = 0.01;  // at least one exit (design.md §3)
    s.conditions.push_back(c);
  }
  s.risk.max_positions = 4;
  s.risk.max_position_per_coin = 2;
  s.risk.max_exposure_pct = 0.15;
  s.risk.cooldown_after_stop_ms = u(rng) < 0.5 ? 0 : 100 + static_cast<std::int64_t>(u(rng) * 3000);
  s.paper.fill_on = u(rng) < 0.75 ? FillOn::Quote : FillOn::Trade;
  s.paper.slippage_bps = u(rng) < 0.4 ? 0.0 : std::floor(u(rng) * 20.0) / 2.0;
  s.paper.max_quote_age_ms = 100 + static_cast<std::int64_t>(u(rng) * 2000);
  return s;
}

}  // namespace tradingd::test
