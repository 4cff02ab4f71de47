// Sniper::on_price_tick, measured with Google Benchmark: the tick that fires
// nothing (indexed, beside the linear-scan baseline) at 100 / 1,000 / 10,000
// armed conditions, and a path where one tick in ten opens or closes a
// position with the real journal behind it.

#include <benchmark/benchmark.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "bench_support.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/journal/trade_journal.hpp"

namespace tradingd::bench {
namespace {

const CoinTable& twenty_coins() {
  static const CoinTable coins(Settings{}.trading.coins);
  return coins;
}

// p50 and p99 of per-tick times, from a timed pass after the measured one
// (two clock reads a tick, ~20 ns of them, are in these figures).
template <typename Target>
void tick_percentiles(benchmark::State& state, Target& target, const std::vector<Tick>& walk) {
  std::vector<double> ns;
  ns.reserve(walk.size());
  for (const auto& t : walk) {
    const auto a = std::chrono::steady_clock::now();
    target.on_price_tick(t.coin, t.price, t.ts);
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = ns[ns.size() / 2];
  state.counters["p99_ns"] = ns[ns.size() * 99 / 100];
}

// 20 coins, 5 open positions, state.range(0) armed conditions, and prices
// that fire nothing: the Sniper, and the same conditions in the baseline.
struct QuietRig {
  explicit QuietRig(const benchmark::State& state) : sniper(twenty_coins(), risk, paper, clock, sink) {
    arm_far(sniper, twenty_coins(), 5, static_cast<std::size_t>(state.range(0)), 17);
  }
  static RiskSettings two_a_coin() {
    RiskSettings r;
    r.max_position_per_coin = 2;
    return r;
  }
  RiskSettings risk = two_a_coin();
  PaperSettings paper;
  NullSink sink;
  ManualClock clock{t0};
  Sniper sniper;
  const std::vector<Tick> walk = band_walk(1 << 20, twenty_coins().size(), 18);
};

template <typename Target>
void run_ticks(benchmark::State& state, Target& target, const std::vector<Tick>& walk) {
  std::size_t i = 0;
  for (auto _ : state) {
    const Tick& t = walk[i++ & (walk.size() - 1)];
    target.on_price_tick(t.coin, t.price, t.ts);
  }
  state.SetItemsProcessed(state.iterations());
  tick_percentiles(state, target, walk);
}

void BM_TickNothingFires(benchmark::State& state) {
  QuietRig rig(state);
  run_ticks(state, rig.sniper, rig.walk);
  if (rig.sniper.counters().triggered != 0 ||
      rig.sniper.active_condition_count() != static_cast<std::size_t>(state.range(0)))
    state.SkipWithError("something fired");
}
BENCHMARK(BM_TickNothingFires)->Arg(100)->Arg(1'000)->Arg(10'000);

// The baseline: the same ticks through the linear scan the Sniper used before.
void BM_TickNothingFiresLinearScan(benchmark::State& state) {
  QuietRig rig(state);
  LinearScanBaseline scan(twenty_coins().size(), rig.sniper.active_conditions());
  run_ticks(state, scan, rig.walk);
  if (scan.due() != 0) state.SkipWithError("something was due");
}
BENCHMARK(BM_TickNothingFiresLinearScan)->Arg(100)->Arg(1'000)->Arg(10'000);

// One tick in ten opens or closes a position: BTC climbs a ladder of ABOVE
// triggers, each rung opens a LONG whose take-profit the next tick meets, then
// eighteen ticks of other coins fire nothing. Every record goes into the real
// TradeJournal's queue (its writer thread commits beside the loop); every
// 4,096 ticks, outside the timing, the loop waits for the commits and re-arms
// the ladder, so SQLite's own rate (BM_JournalCommit) never holds entries back.
void BM_TickTenPercentDecide(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("tradingd-gbench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const CoinTable& coins = twenty_coins();
  RiskSettings risk;
  risk.max_positions = 100;
  risk.max_position_per_coin = 10;
  risk.max_exposure_pct = 1.0;
  PaperSettings paper;
  paper.initial_balance = 1e9;
  ManualClock clock(t0);
  TradeJournal journal(dir / "journal.db", 1u << 16);
  journal.start();
  journal.prefault_queue();  // as a live run does
  Sniper sniper(coins, risk, paper, clock, journal);
  const CoinId btc = *coins.find("BTC");
  std::uint64_t next_id = 0;
  std::size_t armed_rungs = 0;
  auto arm_rungs = [&](std::size_t n) {
    for (std::size_t k = 0; k < n; ++k, ++armed_rungs) {
      TradeCondition c;
      c.id = "r-" + std::to_string(next_id++);
      c.coin = "BTC";
      c.direction = Direction::Long;
      c.trigger_type = TriggerType::Above;
      c.trigger_price = 100.0 + 0.01 * static_cast<double>(armed_rungs + 1);
      c.take_profit_pct = 1e-7;  // met by rung + 0.005, below the next rung
      c.stop_loss_pct = 0.5;
      c.position_size_usd = 10;
      c.created_at_ms = t0;
      c.valid_until_ms = t0 + 86'400'000'000;
      if (sniper.arm(c)) std::abort();
    }
  };
  arm_rungs(1'000);
  const auto others = band_walk(1 << 16, coins.size(), 19);
  std::size_t o = 0, rung_no = 0, in_cycle = 0, since_pause = 0;
  double rung = 100.0;
  std::int64_t ts = t0;
  for (auto _ : state) {
    if (++since_pause == 4096) {
      state.PauseTiming();
      journal.flush().get();
      arm_rungs(1'000 - (armed_rungs - rung_no));  // 1,000 armed again
      since_pause = 0;
      state.ResumeTiming();
    }
    if (in_cycle == 0) {
      rung = 100.0 + 0.01 * static_cast<double>(++rung_no);
      sniper.on_price_tick(btc, rung, ++ts);  // opens one LONG
    } else if (in_cycle == 1) {
      sniper.on_price_tick(btc, rung + 0.005, ++ts);  // its take-profit
    } else {
      Tick t = others[o++ & (others.size() - 1)];
      if (t.coin == btc) t.coin = btc + 1;
      sniper.on_price_tick(t.coin, t.price, ++ts);
    }
    in_cycle = (in_cycle + 1) % 20;
  }
  state.SetItemsProcessed(state.iterations());
  const auto& c = sniper.counters();
  state.counters["opened"] = static_cast<double>(c.triggered);
  state.counters["closed"] = static_cast<double>(c.closed);
  state.counters["rejected"] = static_cast<double>(c.rejected);
  if (c.triggered != rung_no || c.closed + 1 < c.triggered || c.rejected != 0)
    state.SkipWithError("the ladder did not trade one rung a cycle");
  journal.stop();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TickTenPercentDecide)->UseRealTime();  // the writer thread works beside it

}  // namespace
}  // namespace tradingd::bench
