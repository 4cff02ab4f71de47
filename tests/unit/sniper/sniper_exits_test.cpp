// design.md §4 step 2, §4.1-§4.4 rule by rule through the Sniper's public API:
// trailing stops, activation, the trail-vs-stop tie, absent levels, time
// limits (on a tick and by the sweep), cooldowns, OCO groups, and fills from
// quotes with slippage.

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "sniper_rig.hpp"

using namespace tradingd;
using namespace tradingd::test;
using Catch::Matchers::WithinAbs;

namespace {

struct Exit {
  std::optional<ExitReason> reason;
  double price = 0.0;
};

// The one close a path of prices causes after the entry tick, if any.
Exit run_path(SniperRig& rig, const std::string& coin, const std::vector<double>& after_entry) {
  for (double p : after_entry) {
    rig.clock.advance(100);
    rig.tick(coin, p);
  }
  const auto closed = rig.sink.all<PositionClosed>();
  if (closed.empty()) return {};
  REQUIRE(closed.size() == 1);
  return {closed[0].reason, closed[0].exit_price};
}

TradeCondition with_exits(TradeCondition c, double sl, double tp, std::optional<double> trail,
                          std::optional<double> activation = std::nullopt,
                          std::optional<std::int64_t> max_hold = std::nullopt) {
  c.stop_loss_pct = sl;
  c.take_profit_pct = tp;
  c.trailing_stop_pct = trail;
  c.trailing_activation_pct = trail ? std::optional<double>(activation.value_or(0.0)) : std::nullopt;
  c.max_hold_ms = max_hold;
  return c;
}

}  // namespace

TEST_CASE("exits: trailing stops, activation, ties, absent levels and time limits on each side", "[unit][sniper]") {
  struct Row {
    const char* name;
    Direction dir;
    double sl, tp;
    std::optional<double> trail, activation;
    std::optional<std::int64_t> max_hold;
    std::vector<double> path;  // after the entry at 100
    std::optional<ExitReason> reason;
    double exit = 0.0;
  };
  const Row rows[] = {
      // The trail follows the best price in favour only: 110 sets it at 104.5;
      // 106 and 108 move nothing; 104.5 meets it.
      {"LONG trail ratchets up only", Direction::Long, 0.02, 0.5, 0.05, 0.0, {}, {110, 106, 108, 104.51}, {}, 0},
      {"LONG trail hit", Direction::Long, 0.02, 0.5, 0.05, 0.0, {}, {110, 106, 104.5}, ExitReason::TrailingStop, 104.5},
      {"SHORT trail ratchets down only", Direction::Short, 0.02, 0.5, 0.05, 0.0, {}, {90, 93, 92, 94.49}, {}, 0},
      {"SHORT trail hit", Direction::Short, 0.02, 0.5, 0.05, 0.0, {}, {90, 93, 94.5}, ExitReason::TrailingStop, 94.5},
      // Activation 25 %: not active until the best reaches 125 (LONG) / 75 (SHORT) exactly.
      {"LONG not active below activation", Direction::Long, 0.5, 0.9, 0.1, 0.25, {}, {124.99, 112}, {}, 0},
      {"LONG active at the activation boundary",
       Direction::Long,
       0.5,
       0.9,
       0.1,
       0.25,
       {},
       {125, 112.5},
       ExitReason::TrailingStop,
       112.5},
      {"SHORT not active above activation", Direction::Short, 0.5, 0.9, 0.1, 0.25, {}, {75.01, 82.5}, {}, 0},
      {"SHORT active at the activation boundary",
       Direction::Short,
       0.5,
       0.9,
       0.1,
       0.25,
       {},
       {75, 82.5},
       ExitReason::TrailingStop,
       82.5},
      // Trail and stop-loss equal (5 % each, active from entry): a tie is STOP_LOSS.
      {"LONG tie is STOP_LOSS", Direction::Long, 0.05, 0.5, 0.05, 0.0, {}, {95}, ExitReason::StopLoss, 95},
      {"SHORT tie is STOP_LOSS", Direction::Short, 0.05, 0.5, 0.05, 0.0, {}, {105}, ExitReason::StopLoss, 105},
      // The trail strictly tighter once the best moved: TRAILING_STOP.
      {"LONG trail tighter than the stop",
       Direction::Long,
       0.05,
       0.5,
       0.05,
       0.0,
       {},
       {100.1, 95.09},
       ExitReason::TrailingStop,
       95.09},
      // The trail looser than the fixed stop: the fixed stop decides.
      {"LONG stop tighter than the trail",
       Direction::Long,
       0.02,
       0.5,
       0.05,
       0.0,
       {},
       {101, 98},
       ExitReason::StopLoss,
       98},
      // A trail and no stop-loss.
      {"LONG trail without a stop-loss", Direction::Long, 0.0, 0.5, 0.03, 0.0, {}, {97}, ExitReason::TrailingStop, 97},
      // stop_loss_pct 0: no stop at all.
      {"LONG no stop", Direction::Long, 0.0, 0.05, {}, {}, {}, {50, 1}, {}, 0},
      {"SHORT no stop", Direction::Short, 0.0, 0.05, {}, {}, {}, {150, 1000}, {}, 0},
      // take_profit_pct 0: no take-profit.
      {"LONG no take-profit", Direction::Long, 0.05, 0.0, {}, {}, {}, {150, 1000}, {}, 0},
      {"SHORT no take-profit", Direction::Short, 0.05, 0.0, {}, {}, {}, {50, 1}, {}, 0},
      // Time limit 1 s on a tick: 900 ms held is not enough, 1000 ms is.
      {"time limit not yet", Direction::Long, 0.0, 0.0, {}, {}, 1000, {100.5, 100.7}, {}, 0},  // at +100, +200 ms
      // Order: the stop before the take-profit before the time limit.
      {"stop before time limit", Direction::Long, 0.02, 0.0, {}, {}, 100, {98}, ExitReason::StopLoss, 98},
      {"take-profit before time limit", Direction::Short, 0.0, 0.01, {}, {}, 100, {99}, ExitReason::TakeProfit, 99},
      {"time limit when nothing else",
       Direction::Short,
       0.02,
       0.01,
       {},
       {},
       100,
       {100.5},
       ExitReason::TimeLimit,
       100.5},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    SniperRig rig;
    const auto trig = row.dir == Direction::Long ? TriggerType::Above : TriggerType::Below;
    rig.arm(with_exits(rig.condition("c", "SOL", row.dir, trig, 100.0), row.sl, row.tp, row.trail, row.activation,
                       row.max_hold));
    rig.tick("SOL", 100.0);
    REQUIRE(rig.sniper.open_position_count() == 1);
    const auto e = run_path(rig, "SOL", row.path);
    CHECK(e.reason == row.reason);
    if (row.reason) {
      CHECK_THAT(e.price, WithinAbs(row.exit, 1e-12));
      CHECK(rig.sniper.open_position_count() == 0);
    }
  }
}

TEST_CASE("exits: the position reports its best price, trail and effective stop as they move", "[unit][sniper]") {
  SniperRig rig;
  rig.arm(with_exits(rig.condition("c", "BTC", Direction::Long, TriggerType::Above, 100), 0.02, 0.0, 0.05, 0.1));
  rig.tick("BTC", 100);
  Position p = rig.sniper.open_positions().at(0);
  CHECK(p.best_price == 100.0);
  CHECK_FALSE(p.trail_active());
  CHECK(p.stop()->price == 98.0);
  CHECK_FALSE(p.stop()->trailing);
  CHECK_FALSE(p.take_profit_price.has_value());  // take_profit_pct 0: none, NULL in the journal
  rig.tick("BTC", 111);
  p = rig.sniper.open_positions().at(0);
  CHECK(p.best_price == 111.0);
  CHECK(p.trail_active());
  CHECK_THAT(*p.trailing_level(), WithinAbs(111 * 0.95, 1e-12));
  CHECK(p.stop()->trailing);
  rig.tick("BTC", 108);  // against: the best and the trail stay
  p = rig.sniper.open_positions().at(0);
  CHECK(p.best_price == 111.0);
  CHECK_THAT(p.stop()->price, WithinAbs(111 * 0.95, 1e-12));
}

TEST_CASE("exits: the time limit closes on a tick at t >= entry + max_hold_ms", "[unit][sniper]") {
  for (const std::int64_t held : {999, 1000, 1001}) {
    CAPTURE(held);
    SniperRig rig;
    rig.arm(with_exits(rig.condition("c", "ETH", Direction::Long, TriggerType::Above, 100), 0.0, 0.0, {}, {}, 1000));
    rig.tick("ETH", 100, SniperRig::t0);
    rig.tick("ETH", 100.3, SniperRig::t0 + held);
    const auto closed = rig.sink.all<PositionClosed>();
    if (held < 1000) {
      CHECK(closed.empty());
    } else {
      REQUIRE(closed.size() == 1);
      CHECK(closed[0].reason == ExitReason::TimeLimit);
      CHECK(closed[0].exit_price == 100.3);
      CHECK(closed[0].exit_ms == SniperRig::t0 + held);
    }
  }
}

TEST_CASE("the sweep closes time limits on silent coins in opening order, and waits while trading is paused",
          "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.max_position_per_coin = 2;
  SniperRig rig(risk);
  rig.arm(with_exits(rig.condition("a", "ETH", Direction::Long, TriggerType::Above, 100), 0.0, 0.0, {}, {}, 5000));
  rig.arm(with_exits(rig.condition("b", "BTC", Direction::Short, TriggerType::Below, 50), 0.0, 0.0, {}, {}, 3000));
  rig.arm(with_exits(rig.condition("c", "ETH", Direction::Long, TriggerType::Above, 101), 0.0, 0.0, {}, {}, 1000));
  rig.tick("ETH", 100, SniperRig::t0);       // a opens, due at t0 + 5000
  rig.tick("BTC", 49, SniperRig::t0 + 10);   // b opens, due at t0 + 3010
  rig.tick("ETH", 101, SniperRig::t0 + 20);  // c opens, due at t0 + 1020
  REQUIRE(rig.sniper.open_position_count() == 3);
  CHECK(rig.sniper.sweep(SniperRig::t0 + 1019).time_limited == 0);
  rig.sniper.set_trading_enabled(false);  // the feed is down: time limits wait
  CHECK(rig.sniper.sweep(SniperRig::t0 + 6000).time_limited == 0);
  CHECK(rig.sniper.open_position_count() == 3);
  rig.sniper.set_trading_enabled(true);
  rig.clock.set(SniperRig::t0 + 6000);
  CHECK(rig.sniper.sweep(SniperRig::t0 + 6000).time_limited == 3);
  const auto closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 3);
  // opening order across coins, each at its coin's last trade price, at the sweep's time
  CHECK(closed[0].trade_id == std::string_view("T-a"));
  CHECK(closed[1].trade_id == std::string_view("T-b"));
  CHECK(closed[2].trade_id == std::string_view("T-c"));
  CHECK(closed[0].exit_price == 101.0);
  CHECK(closed[1].exit_price == 49.0);
  for (const auto& c : closed) {
    CHECK(c.reason == ExitReason::TimeLimit);
    CHECK(c.exit_ms == SniperRig::t0 + 6000);
  }
}

TEST_CASE("the sweep persists an improved best price at most once a second per position", "[unit][sniper]") {
  SniperRig rig;
  rig.arm(with_exits(rig.condition("c", "BTC", Direction::Long, TriggerType::Above, 100), 0.02, 0.0, 0.05));
  rig.tick("BTC", 100, SniperRig::t0);
  rig.tick("BTC", 104, SniperRig::t0 + 100);
  rig.sniper.sweep(SniperRig::t0 + 900);  // less than a second since the entry wrote 100
  CHECK(rig.sink.all<BestPriceUpdate>().empty());
  rig.sniper.sweep(SniperRig::t0 + 1000);
  auto bests = rig.sink.all<BestPriceUpdate>();
  REQUIRE(bests.size() == 1);
  CHECK(bests[0].best_price == 104.0);
  CHECK(bests[0].trade_id == std::string_view("T-c"));
  rig.tick("BTC", 106, SniperRig::t0 + 1100);
  rig.sniper.sweep(SniperRig::t0 + 1500);  // improved, but persisted 500 ms ago
  CHECK(rig.sink.all<BestPriceUpdate>().size() == 1);
  rig.sniper.sweep(SniperRig::t0 + 2000);
  bests = rig.sink.all<BestPriceUpdate>();
  REQUIRE(bests.size() == 2);
  CHECK(bests[1].best_price == 106.0);
  rig.sniper.sweep(SniperRig::t0 + 5000);  // unchanged: nothing more
  CHECK(rig.sink.all<BestPriceUpdate>().size() == 2);
  rig.tick("BTC", 107, SniperRig::t0 + 5100);
  rig.sniper.persist_best_prices(SniperRig::t0 + 5200);  // shutdown: whenever it was
  CHECK(rig.sink.all<BestPriceUpdate>().back().best_price == 107.0);
  rig.tick("BTC", 101.6, SniperRig::t0 + 5300);  // under 107 x 0.95: the trail closes, with its best
  const auto closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].reason == ExitReason::TrailingStop);
  CHECK(closed[0].best_price == 107.0);
}

TEST_CASE("a restored position trails from its persisted best price", "[unit][sniper]") {
  SniperRig rig;
  Position p;
  p.id = "T-r";
  p.condition_id = "r";
  p.coin = *rig.coins.find("BTC");
  p.direction = Direction::Short;
  p.size_usd = 50;
  p.entry_price = p.entry_mark = 100;
  p.qty = 0.5;
  p.entry_ms = SniperRig::t0;
  p.stop_loss_price = 102;
  p.trailing_stop_pct = 0.02;
  p.best_price = 90;  // from the journal: the trail is at 91.8
  rig.sniper.restore_position(p);
  rig.tick("BTC", 91.7);
  CHECK(rig.sink.all<PositionClosed>().empty());
  rig.tick("BTC", 91.8);
  const auto closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].reason == ExitReason::TrailingStop);
  CHECK(closed[0].exit_price == 91.8);
}

TEST_CASE("cooldown: no entry on a coin less than cooldown_after_stop_ms after a losing stop there", "[unit][sniper]") {
  struct Row {
    const char* name;
    std::int64_t cooldown;
    ExitReason first_exit;
    bool loss;
    std::int64_t after;  // ms from the close to the second entry
    const char* coin;    // of the second entry
    bool refused;
  };
  const Row rows[] = {
      {"same tick", 1000, ExitReason::StopLoss, true, 0, "BTC", true},
      {"just inside", 1000, ExitReason::StopLoss, true, 999, "BTC", true},
      {"at the boundary", 1000, ExitReason::StopLoss, true, 1000, "BTC", false},
      {"trailing stop at a loss", 1000, ExitReason::TrailingStop, true, 500, "BTC", true},
      {"trailing stop at a profit", 1000, ExitReason::TrailingStop, false, 500, "BTC", false},
      {"take-profit", 1000, ExitReason::TakeProfit, false, 500, "BTC", false},
      {"time limit at a loss", 1000, ExitReason::TimeLimit, true, 500, "BTC", false},
      {"another coin", 1000, ExitReason::StopLoss, true, 500, "ETH", false},
      {"off", 0, ExitReason::StopLoss, true, 0, "BTC", false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    RiskSettings risk = wide_risk();
    risk.cooldown_after_stop_ms = row.cooldown;
    SniperRig rig(risk);
    // LONG at 100: SL 98 / trail 5 % active from 2 % / TP 110 / time limit 1 s, as the row needs.
    TradeCondition first = rig.condition("first", "BTC", Direction::Long, TriggerType::Above, 100);
    if (row.first_exit == ExitReason::TrailingStop)
      first = with_exits(first, 0.0, 0.0, 0.05, 0.02);
    else if (row.first_exit == ExitReason::TimeLimit)
      first = with_exits(first, 0.0, 0.0, {}, {}, 1000);
    else
      first = with_exits(first, 0.02, 0.10, {});
    rig.arm(first);
    rig.tick("BTC", 100, SniperRig::t0);
    std::int64_t t = SniperRig::t0 + 100;
    if (row.first_exit == ExitReason::TrailingStop) rig.tick("BTC", row.loss ? 102 : 110, t);  // activates the trail
    const double exit_price = row.first_exit == ExitReason::StopLoss       ? 97.0
                              : row.first_exit == ExitReason::TakeProfit   ? 111.0
                              : row.first_exit == ExitReason::TrailingStop ? (row.loss ? 96.8 : 104.0)
                                                                           : 99.0;
    if (row.first_exit == ExitReason::TimeLimit) t = SniperRig::t0 + 1000;
    // "second" fires on any price; armed before the closing tick only to meet it on that very tick.
    const bool same_tick = row.after == 0 && std::string(row.coin) == "BTC";
    const auto second = rig.condition("second", row.coin, Direction::Long, TriggerType::Below, 1000);
    if (same_tick) rig.arm(second);
    rig.tick("BTC", exit_price, t);
    if (!same_tick) rig.arm(second);
    const auto closed = rig.sink.all<PositionClosed>();
    REQUIRE(closed.size() == 1);
    REQUIRE(closed[0].reason == row.first_exit);
    REQUIRE((closed[0].pnl_usd < 0) == row.loss);
    // The second condition on BTC may have fired on that same tick (after == 0); otherwise its coin ticks later.
    if (!same_tick) rig.tick(row.coin, 99.5, t + row.after);
    const auto finished = rig.sink.all<ConditionFinished>();
    const bool refused = !finished.empty() && finished.back().id == std::string_view("second");
    CHECK(refused == row.refused);
    if (refused) CHECK(finished.back().reason == std::string_view("cooldown"));
    if (refused) CHECK(rig.sniper.cooldown_until(*rig.coins.find("BTC"), t) == t + row.cooldown);
  }
}

TEST_CASE("cooldown is the first risk check, and is restored from the journal", "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.cooldown_after_stop_ms = 60000;
  risk.max_positions = 1;
  SniperRig rig(risk);
  rig.arm(rig.condition("open", "ETH", Direction::Long, TriggerType::Above, 1));
  rig.tick("ETH", 2000);  // one position: max_positions would refuse the next too
  rig.sniper.restore_losing_stop(*rig.coins.find("BTC"), SniperRig::t0 - 30000);
  rig.arm(rig.condition("b", "BTC", Direction::Long, TriggerType::Above, 1));
  rig.tick("BTC", 100);
  const auto finished = rig.sink.all<ConditionFinished>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].reason == std::string_view("cooldown"));
}

TEST_CASE("OCO: when one of a group opens, its ACTIVE siblings on any coin are CANCELLED in arming order",
          "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.max_position_per_coin = 3;
  SniperRig rig(risk);
  auto grouped = [&](const std::string& id, const std::string& coin, TriggerType trig, double price,
                     const std::string& group) {
    TradeCondition c = rig.condition(id, coin, Direction::Long, trig, price);
    c.oco_group = group;
    return c;
  };
  rig.arm(grouped("kept-before", "BTC", TriggerType::Above, 200, "g"));  // does not fire; seen before the opener
  rig.arm(grouped("eth-leg", "ETH", TriggerType::Below, 10, "g"));       // another coin
  rig.arm(grouped("opener", "BTC", TriggerType::Above, 100, "g"));
  rig.arm(grouped("same-tick", "BTC", TriggerType::Above, 99, "g"));  // would fire on this tick too
  rig.arm(grouped("other-group", "BTC", TriggerType::Above, 99, "h"));
  rig.arm(rig.condition("no-group", "BTC", Direction::Long, TriggerType::Above, 99));
  rig.tick("BTC", 101, SniperRig::t0 + 5);

  // The opener opens; its three siblings are cancelled in arming order on the
  // same tick; the same-tick sibling never fires; other groups are untouched.
  std::vector<std::string> seq;
  for (const auto& r : rig.sink.records) {
    if (const auto* o = std::get_if<PositionOpened>(&r)) seq.push_back("OPENED " + o->position.condition_id.str());
    if (const auto* f = std::get_if<ConditionFinished>(&r))
      seq.push_back(std::string(to_string(f->status)) + " " + f->id.str() + " " + f->reason.str() + " " +
                    std::to_string(f->ts_ms - SniperRig::t0));
  }
  const std::vector<std::string> expected = {
      "OPENED opener",
      "CANCELLED kept-before oco:opener 5",
      "CANCELLED eth-leg oco:opener 5",
      "CANCELLED same-tick oco:opener 5",
      "OPENED other-group",
      "OPENED no-group",
  };
  CHECK(seq == expected);
  CHECK(rig.sniper.active_condition_count() == 0);
  CHECK(rig.sniper.counters().cancelled_oco == 3);
  rig.tick("ETH", 5);  // the cancelled ETH leg is gone
  CHECK(rig.sink.all<PositionOpened>().size() == 3);
}

TEST_CASE("OCO: a rejected or expired member cancels nothing, a lone member opens normally", "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.max_exposure_pct = 0.1;
  SniperRig rig(risk);
  TradeCondition big = rig.condition("big", "BTC", Direction::Long, TriggerType::Above, 100, 500.0);  // > 10 %
  big.oco_group = "g";
  TradeCondition late = rig.condition("late", "SOL", Direction::Long, TriggerType::Above, 100, 50.0);
  late.oco_group = "g";
  late.valid_until_ms = SniperRig::t0 + 10;
  TradeCondition small = rig.condition("small", "ETH", Direction::Long, TriggerType::Above, 100, 50.0);
  small.oco_group = "g";
  rig.arm(big);
  rig.arm(late);
  rig.arm(small);
  rig.tick("BTC", 101);                      // big: REJECTED max_exposure
  rig.tick("SOL", 101, SniperRig::t0 + 11);  // late: EXPIRED
  auto finished = rig.sink.all<ConditionFinished>();
  REQUIRE(finished.size() == 2);
  CHECK(finished[0].reason == std::string_view("max_exposure"));
  CHECK(finished[1].status == ConditionStatus::Expired);
  rig.tick("ETH", 101);  // small: still armed, opens
  CHECK(rig.sink.all<PositionOpened>().size() == 1);
  CHECK(rig.sink.all<ConditionFinished>().size() == 2);
}

TEST_CASE("OCO groups are restored from the journal", "[unit][sniper]") {
  SniperRig rig;
  TradeCondition a = rig.condition("a", "BTC", Direction::Long, TriggerType::Above, 100);
  a.oco_group = "pair";
  TradeCondition b = rig.condition("b", "BTC", Direction::Short, TriggerType::Below, 90);
  b.oco_group = "pair";
  rig.sniper.restore_condition(a);
  rig.sniper.restore_condition(b);
  rig.tick("BTC", 101);
  const auto finished = rig.sink.all<ConditionFinished>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].id == std::string_view("b"));
  CHECK(finished[0].reason == std::string_view("oco:a"));
}

TEST_CASE("OCO: group names of finished conditions are let go, armed groups keep their names and siblings",
          "[unit][sniper]") {
  SniperRig rig(wide_risk());
  auto grouped = [&](const std::string& id, TriggerType trig, double price, const std::string& group) {
    TradeCondition c = rig.condition(id, "BTC", Direction::Long, trig, price);
    c.oco_group = group;
    return c;
  };
  // A pair that stays armed throughout, then 100,000 one-off groups, each
  // armed and cancelled as a strategist re-arming fresh brackets would.
  rig.arm(grouped("keep-up", TriggerType::Above, 200, "kept"));
  rig.arm(grouped("keep-down", TriggerType::Below, 50, "kept"));
  std::size_t most = 0;
  for (int i = 0; i < 100'000; ++i) {
    const std::string id = "x-" + std::to_string(i);
    rig.arm(grouped(id, TriggerType::Above, 500, "g-" + std::to_string(i)));
    most = std::max(most, rig.sniper.oco_groups_interned());
    REQUIRE(rig.sniper.cancel(id, "re-armed"));
  }
  CHECK(most == 2);  // "kept" and the one armed at the time: not what was ever armed
  const auto active = rig.sniper.active_conditions();
  REQUIRE(active.size() == 2);
  for (const auto& c : active) CHECK(rig.sniper.oco_group_name(c.oco) == "kept");
  rig.tick("BTC", 201);  // keep-up opens; its sibling is cancelled by group after the renumbering
  const auto finished = rig.sink.all<ConditionFinished>();
  REQUIRE_FALSE(finished.empty());
  CHECK(finished.back().id == std::string_view("keep-down"));
  CHECK(finished.back().reason == std::string_view("oco:keep-up"));
  CHECK(rig.sniper.active_condition_count() == 0);
}

TEST_CASE(
    "fills: buys at the ask, sells at the bid, the trade price without a fresh quote, slippage against the "
    "trader",
    "[unit][sniper]") {
  struct Row {
    const char* name;
    FillOn fill_on;
    double slippage_bps;
    Direction dir;
    bool quote;        // a quote 99.9 / 100.1 around the trades
    std::int64_t age;  // of the quote at the entry, ms
    double entry;      // expected entry fill
    FillBasis entry_basis;
    double exit;  // expected exit fill (exit trade at 120 for LONG, 80 for SHORT, quote 119.9/120.1 or 79.9/80.1)
    FillBasis exit_basis;
  };
  const double s = 0.001;  // 10 bps
  const Row rows[] = {
      {"trade, no slippage: exactly the trade price", FillOn::Trade, 0, Direction::Long, true, 0, 100, FillBasis::Trade,
       120, FillBasis::Trade},
      {"trade with slippage", FillOn::Trade, 10, Direction::Long, true, 0, 100 * (1 + s), FillBasis::Trade,
       120 * (1 - s), FillBasis::Trade},
      {"LONG: ask in, bid out", FillOn::Quote, 0, Direction::Long, true, 0, 100.1, FillBasis::Ask, 119.9,
       FillBasis::Bid},
      {"SHORT: bid in, ask out", FillOn::Quote, 0, Direction::Short, true, 0, 99.9, FillBasis::Bid, 80.1,
       FillBasis::Ask},
      {"LONG quotes with slippage", FillOn::Quote, 10, Direction::Long, true, 0, 100.1 * (1 + s), FillBasis::Ask,
       119.9 * (1 - s), FillBasis::Bid},
      {"SHORT quotes with slippage", FillOn::Quote, 10, Direction::Short, true, 0, 99.9 * (1 - s), FillBasis::Bid,
       80.1 * (1 + s), FillBasis::Ask},
      {"no quote: the trade price", FillOn::Quote, 0, Direction::Long, false, 0, 100, FillBasis::Trade, 120,
       FillBasis::Trade},
      {"a quote exactly max_quote_age_ms old is used", FillOn::Quote, 0, Direction::Long, true, 2000, 100.1,
       FillBasis::Ask, 119.9, FillBasis::Bid},
      {"a quote older than max_quote_age_ms is not", FillOn::Quote, 0, Direction::Long, true, 2001, 100,
       FillBasis::Trade, 119.9, FillBasis::Bid},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    PaperSettings paper;
    paper.fill_on = row.fill_on;
    paper.slippage_bps = row.slippage_bps;
    paper.max_quote_age_ms = 2000;
    SniperRig rig(wide_risk(), paper);
    const CoinId btc = *rig.coins.find("BTC");
    const bool lng = row.dir == Direction::Long;
    rig.arm(with_exits(rig.condition("c", "BTC", row.dir, lng ? TriggerType::Above : TriggerType::Below, 100), 0.5, 0.1,
                       {}));
    const std::int64_t t = SniperRig::t0 + 10000;
    if (row.quote) rig.sniper.on_quote(btc, Quote{99.9, 100.1, true, true, t - row.age});
    rig.tick("BTC", 100, t);
    const auto opened = rig.sink.all<PositionOpened>();
    REQUIRE(opened.size() == 1);
    const Position& p = opened[0].position;
    CHECK_THAT(p.entry_price, WithinAbs(row.entry, 1e-12));
    CHECK(p.entry_fill == row.entry_basis);
    CHECK(p.entry_mark == 100.0);
    CHECK(p.best_price == p.entry_price);  // the best starts at the fill
    CHECK_THAT(p.qty, WithinAbs(100.0 / row.entry, 1e-15));
    // levels from the entry fill (SL 50 %, TP 10 %)
    CHECK_THAT(*p.take_profit_price, WithinAbs(lng ? row.entry * 1.1 : row.entry * 0.9, 1e-9));

    const double x_mark = lng ? 120 : 80;
    if (row.quote) rig.sniper.on_quote(btc, Quote{x_mark - 0.1, x_mark + 0.1, true, true, t + 500});
    rig.tick("BTC", x_mark, t + 1000);
    const auto closed = rig.sink.all<PositionClosed>();
    REQUIRE(closed.size() == 1);
    CHECK(closed[0].reason == ExitReason::TakeProfit);  // triggered by the trade price, whatever the fill
    CHECK_THAT(closed[0].exit_price, WithinAbs(row.exit, 1e-12));
    CHECK(closed[0].exit_fill == row.exit_basis);
    CHECK(closed[0].exit_mark == x_mark);
    // P&L from the fills (design.md §4.4)
    const double qty = 100.0 / row.entry;
    const double gross = lng ? qty * (row.exit - row.entry) : qty * (row.entry - row.exit);
    CHECK_THAT(closed[0].pnl_usd, WithinAbs(gross - 100 * 0.001 - qty * row.exit * 0.001, 1e-9));
  }
}

TEST_CASE("quotes: invalid ones are dropped and counted, one side may be missing, and none ever triggers",
          "[unit][sniper]") {
  PaperSettings paper;
  paper.fill_on = FillOn::Quote;
  SniperRig rig(wide_risk(), paper);
  const CoinId btc = *rig.coins.find("BTC");
  const auto t = SniperRig::t0;
  rig.sniper.on_quote(btc, Quote{99, 101, true, true, t});
  const Quote bad[] = {
      {102, 101, true, true, t},                                       // crossed
      {0, 101, true, true, t},                                         // zero bid
      {99, -1, true, true, t},                                         // negative ask
      {std::numeric_limits<double>::quiet_NaN(), 101, true, true, t},  // not a number
      {99, std::numeric_limits<double>::infinity(), true, true, t},    // not finite
  };
  for (const auto& q : bad) rig.sniper.on_quote(btc, q);
  CHECK(rig.sniper.counters().invalid_quotes == 5);
  CHECK(rig.sniper.quote(btc)->bid == 99);  // the good quote stays
  CHECK(rig.sniper.quote(btc)->ask == 101);

  // A quote through a trigger fires nothing: only trades trigger.
  rig.arm(rig.condition("long", "BTC", Direction::Long, TriggerType::Above, 150));
  rig.sniper.on_quote(btc, Quote{200, 201, true, true, t + 1});
  CHECK(rig.sink.all<PositionOpened>().empty());

  // No ask: a buy falls back to the trade price; the bid is still used for sells.
  rig.sniper.on_quote(btc, Quote{154, 0, true, false, t + 2});
  rig.tick("BTC", 155, t + 3);
  const auto opened = rig.sink.all<PositionOpened>();
  REQUIRE(opened.size() == 1);
  CHECK(opened[0].position.entry_fill == FillBasis::Trade);
  CHECK(opened[0].position.entry_price == 155.0);
  CHECK(rig.sniper.counters().quote_fallbacks == 1);
  rig.sniper.close_position("T-long", ExitReason::Manual);
  const auto closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].exit_fill == FillBasis::Bid);
  CHECK(closed[0].exit_price == 154.0);
  CHECK(closed[0].exit_mark == 155.0);
}
