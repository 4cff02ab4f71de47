#pragma once
// SniperRig: a Sniper on three coins with a manual clock and a recording sink,
// driven only through its public API.

#include <optional>
#include <string>

#include "recording_sink.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/sniper/sniper.hpp"

namespace tradingd::test {

inline RiskSettings wide_risk() {
  RiskSettings r;
  r.max_positions = 5;
  r.max_position_per_coin = 1;
  r.max_exposure_pct = 1.0;
  return r;
}

struct SniperRig {
  explicit SniperRig(RiskSettings r = wide_risk(), PaperSettings p = PaperSettings{})
      : risk(r), paper(p), sniper(coins, risk, paper, clock, sink) {}

  static constexpr std::int64_t t0 = 1'764'158'400'000;  // 2025-11-26T12:00:00Z

  TradeCondition condition(const std::string& id, const std::string& coin, Direction dir, TriggerType trig,
                           double price, double size = 100.0, double sl = 0.02, double tp = 0.015) const {
    TradeCondition c;
    c.id = id;
    c.coin = coin;
    c.direction = dir;
    c.trigger_type = trig;
    c.trigger_price = price;
    c.position_size_usd = size;
    c.stop_loss_pct = sl;
    c.take_profit_pct = tp;
    c.strategy_id = "test";
    c.created_at_ms = clock.now_ms();
    c.valid_until_ms = clock.now_ms() + 3'600'000;
    return c;
  }

  void arm(const TradeCondition& c) {
    const auto err = sniper.arm(c);
    if (err) throw std::runtime_error("arm refused: " + err->field + ": " + err->message);
  }

  void tick(const std::string& coin, double price, std::optional<std::int64_t> ts = std::nullopt) {
    const auto t = ts.value_or(clock.now_ms());
    clock.set(t);
    sniper.on_price_tick(*coins.find(coin), price, t);
  }

  CoinTable coins{{"BTC", "ETH", "SOL"}};
  RiskSettings risk;
  PaperSettings paper;
  ManualClock clock{t0};
  RecordingSink sink;
  Sniper sniper;
};

}  // namespace tradingd::test
