// design.md §4, rule by rule, through the Sniper's public API.

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "sniper_rig.hpp"

using namespace tradingd;
using namespace tradingd::test;
using Catch::Matchers::WithinAbs;

TEST_CASE("a condition fires at the trigger, not before, and opens at the tick price", "[unit][sniper]") {
  struct Row {
    Direction dir;
    TriggerType trig;
    double trigger, miss, hit;
  };
  const Row rows[] = {
      {Direction::Long, TriggerType::Above, 42000, 41999, 42001},
      {Direction::Long, TriggerType::Above, 42000, 41999.99, 42000},  // equal fires
      {Direction::Short, TriggerType::Below, 2200, 2201, 2199},
      {Direction::Short, TriggerType::Below, 2200, 2200.01, 2200},
      {Direction::Long, TriggerType::Below, 95, 96, 94},
      {Direction::Short, TriggerType::Above, 95, 94, 96},
  };
  for (const auto& row : rows) {
    CAPTURE(to_string(row.dir), to_string(row.trig), row.trigger);
    SniperRig rig;
    rig.arm(rig.condition("c1", "BTC", row.dir, row.trig, row.trigger));
    rig.tick("BTC", row.miss);
    CHECK(rig.sniper.open_position_count() == 0);
    CHECK(rig.sniper.active_condition_count() == 1);
    rig.tick("BTC", row.hit);
    REQUIRE(rig.sniper.open_position_count() == 1);
    CHECK(rig.sniper.active_condition_count() == 0);
    const auto opened = rig.sink.all<PositionOpened>();
    REQUIRE(opened.size() == 1);
    CHECK(opened[0].position.entry_price == row.hit);
    CHECK(opened[0].position.id == std::string_view("T-c1"));
    CHECK(opened[0].position.direction == row.dir);
    // one-shot: the price staying through the trigger opens nothing more
    rig.tick("BTC", row.hit);
    CHECK(rig.sink.all<PositionOpened>().size() == 1);
  }
}

TEST_CASE("exit levels are fixed at entry and each side exits by its rule", "[unit][sniper]") {
  struct Row {
    Direction dir;
    double entry, next;
    std::optional<ExitReason> exit;
  };
  // entry 100, sl 2 %, tp 1.5 %: LONG sl 98 / tp 101.5; SHORT sl 102 / tp 98.5
  const Row rows[] = {
      {Direction::Long, 100, 98.0, ExitReason::StopLoss}, {Direction::Long, 100, 97.0, ExitReason::StopLoss},
      {Direction::Long, 100, 98.01, std::nullopt},        {Direction::Long, 100, 101.5, ExitReason::TakeProfit},
      {Direction::Long, 100, 101.49, std::nullopt},       {Direction::Short, 100, 102.0, ExitReason::StopLoss},
      {Direction::Short, 100, 101.99, std::nullopt},      {Direction::Short, 100, 98.5, ExitReason::TakeProfit},
      {Direction::Short, 100, 98.51, std::nullopt},       {Direction::Short, 100, 50.0, ExitReason::TakeProfit},
  };
  for (const auto& row : rows) {
    CAPTURE(to_string(row.dir), row.next);
    SniperRig rig;
    const auto trig = row.dir == Direction::Long ? TriggerType::Above : TriggerType::Below;
    rig.arm(rig.condition("c1", "SOL", row.dir, trig, 100.0, 100.0, 0.02, 0.015));
    rig.tick("SOL", row.entry);
    REQUIRE(rig.sniper.open_position_count() == 1);
    const Position p = rig.sniper.open_positions().at(0);
    const double sl = row.dir == Direction::Long ? 98.0 : 102.0;
    const double tp = row.dir == Direction::Long ? 101.5 : 98.5;
    CHECK_THAT(p.stop_loss_price.value_or(-1), WithinAbs(sl, 1e-9));
    CHECK_THAT(p.take_profit_price.value_or(-1), WithinAbs(tp, 1e-9));
    rig.tick("SOL", row.next);
    const auto closed = rig.sink.all<PositionClosed>();
    if (row.exit) {
      REQUIRE(closed.size() == 1);
      CHECK(closed[0].reason == *row.exit);
      CHECK(closed[0].exit_price == row.next);
      CHECK(rig.sniper.open_position_count() == 0);
    } else {
      CHECK(closed.empty());
      CHECK(rig.sniper.open_position_count() == 1);
    }
  }
}

TEST_CASE("fees, P&L and the realised balance follow the paper accounting to 1e-9", "[unit][sniper]") {
  SniperRig rig;
  rig.arm(rig.condition("seed", "BTC", Direction::Long, TriggerType::Above, 42000, 100.0, 0.02, 0.015));
  rig.tick("BTC", 41999);
  rig.tick("BTC", 42001);
  CHECK(rig.sniper.balance() == 1000.0);  // realised cash only: opening changes nothing
  rig.tick("BTC", 42700);
  const auto closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 1);
  const double qty = 100.0 / 42001.0;
  const double entry_fee = 100.0 * 0.001;
  const double exit_fee = qty * 42700.0 * 0.001;
  const double pnl = qty * (42700.0 - 42001.0) - entry_fee - exit_fee;
  CHECK(closed[0].reason == ExitReason::TakeProfit);
  CHECK_THAT(closed[0].fees_usd, WithinAbs(entry_fee + exit_fee, 1e-9));
  CHECK_THAT(closed[0].pnl_usd, WithinAbs(pnl, 1e-9));
  CHECK_THAT(rig.sniper.balance(), WithinAbs(1000.0 + pnl, 1e-9));
  CHECK_THAT(closed[0].balance_after, WithinAbs(1000.0 + pnl, 1e-9));

  // a SHORT that loses
  rig.arm(rig.condition("s1", "ETH", Direction::Short, TriggerType::Below, 2200, 50.0, 0.02, 0.015));
  rig.tick("ETH", 2199);
  rig.tick("ETH", 2250);
  const auto closed2 = rig.sink.all<PositionClosed>();
  REQUIRE(closed2.size() == 2);
  const double q2 = 50.0 / 2199.0;
  const double pnl2 = q2 * (2199.0 - 2250.0) - 50.0 * 0.001 - q2 * 2250.0 * 0.001;
  CHECK(closed2[1].reason == ExitReason::StopLoss);
  CHECK_THAT(closed2[1].pnl_usd, WithinAbs(pnl2, 1e-9));
  CHECK_THAT(rig.sniper.balance(), WithinAbs(1000.0 + pnl + pnl2, 1e-9));
}

TEST_CASE("exits run before entries on the same tick", "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.max_position_per_coin = 1;
  SniperRig rig(risk);
  rig.arm(rig.condition("first", "BTC", Direction::Long, TriggerType::Above, 100, 100.0, 0.02, 0.015));
  rig.tick("BTC", 100);
  REQUIRE(rig.sniper.open_position_count() == 1);
  // Armed after the first opened: fires at 102, the same tick that takes the first's profit.
  rig.arm(rig.condition("second", "BTC", Direction::Long, TriggerType::Above, 102, 100.0));
  rig.tick("BTC", 102);
  const auto closed = rig.sink.all<PositionClosed>();
  const auto opened = rig.sink.all<PositionOpened>();
  REQUIRE(closed.size() == 1);
  REQUIRE(opened.size() == 2);  // not rejected for max_position_per_coin: the exit came first
  CHECK(opened[1].position.condition_id == std::string_view("second"));
  CHECK(rig.sink.all<ConditionFinished>().empty());
  // The record order is exit, then entry.
  std::size_t close_at = 0, open_at = 0;
  for (std::size_t i = 0; i < rig.sink.records.size(); ++i) {
    if (std::holds_alternative<PositionClosed>(rig.sink.records[i])) close_at = i;
    if (const auto* o = std::get_if<PositionOpened>(&rig.sink.records[i]))
      if (o->position.condition_id == std::string_view("second")) open_at = i;
  }
  CHECK(close_at < open_at);
}

TEST_CASE("a position opened on a tick is checked for exits only from the next tick", "[unit][sniper]") {
  SniperRig rig;
  // A BELOW trigger far under the LONG's stop: opening at 90 is not an instant stop-out.
  rig.arm(rig.condition("c", "BTC", Direction::Long, TriggerType::Below, 100, 100.0, 0.02, 0.015));
  rig.tick("BTC", 90);
  CHECK(rig.sniper.open_position_count() == 1);
  CHECK(rig.sink.all<PositionClosed>().empty());
  rig.tick("BTC", 88.19);  // sl = 88.2
  CHECK(rig.sink.all<PositionClosed>().size() == 1);
}

TEST_CASE("positions on a coin exit in the order they were opened", "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.max_position_per_coin = 3;
  SniperRig rig(risk);
  rig.arm(rig.condition("a", "ETH", Direction::Long, TriggerType::Above, 100, 10.0, 0.05, 0.5));
  rig.arm(rig.condition("b", "ETH", Direction::Long, TriggerType::Above, 101, 10.0, 0.05, 0.5));
  rig.arm(rig.condition("c", "ETH", Direction::Long, TriggerType::Above, 102, 10.0, 0.05, 0.5));
  rig.tick("ETH", 100);
  rig.tick("ETH", 101);
  rig.tick("ETH", 102);
  REQUIRE(rig.sniper.open_position_count() == 3);
  rig.tick("ETH", 80);  // under every stop
  const auto closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 3);
  CHECK(closed[0].trade_id == std::string_view("T-a"));
  CHECK(closed[1].trade_id == std::string_view("T-b"));
  CHECK(closed[2].trade_id == std::string_view("T-c"));
}

TEST_CASE("risk checks reject in the documented order with the first failing reason", "[unit][sniper]") {
  struct Row {
    const char* name;
    int max_positions, per_coin;
    double exposure_pct, initial_balance;
    std::vector<std::pair<std::string, double>> before;  // positions opened first (coin, size)
    std::string coin;
    double size;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"max_positions", 2, 5, 1.0, 1000, {{"BTC", 10}, {"ETH", 10}}, "SOL", 10, "max_positions"},
      {"max_positions before per-coin", 1, 1, 1.0, 1000, {{"BTC", 10}}, "BTC", 10, "max_positions"},
      {"max_position_per_coin", 5, 1, 1.0, 1000, {{"BTC", 10}}, "BTC", 10, "max_position_per_coin"},
      {"max_exposure", 5, 5, 0.10, 1000, {{"BTC", 60}}, "ETH", 41, "max_exposure"},
      {"max_exposure edge passes", 5, 5, 0.10, 1000, {{"BTC", 60}}, "ETH", 40, ""},
      {"max_exposure before balance", 5, 5, 1.0, 100, {{"BTC", 60}}, "ETH", 41, "max_exposure"},
      {"insufficient_balance", 5, 5, 1.0, 100, {}, "ETH", 100.5, "max_exposure"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    RiskSettings risk;
    risk.max_positions = row.max_positions;
    risk.max_position_per_coin = row.per_coin;
    risk.max_exposure_pct = row.exposure_pct;
    PaperSettings paper;
    paper.initial_balance = row.initial_balance;
    SniperRig rig(risk, paper);
    int n = 0;
    for (const auto& [coin, size] : row.before) {
      rig.arm(
          rig.condition("pre" + std::to_string(n++), coin, Direction::Long, TriggerType::Above, 10, size, 0.5, 0.5));
      rig.tick(coin, 10);
    }
    REQUIRE(rig.sniper.open_position_count() == row.before.size());
    rig.arm(rig.condition("x", row.coin, Direction::Long, TriggerType::Above, 10, row.size, 0.5, 0.5));
    rig.tick(row.coin, 10);
    const auto finished = rig.sink.all<ConditionFinished>();
    if (row.expected.empty()) {
      CHECK(finished.empty());
      CHECK(rig.sniper.open_position_count() == row.before.size() + 1);
    } else {
      REQUIRE(finished.size() == 1);
      CHECK(finished[0].status == ConditionStatus::Rejected);
      CHECK(finished[0].reason.view() == row.expected);
      CHECK(rig.sniper.active_condition_count() == 0);  // consumed
    }
  }
}

TEST_CASE("insufficient_balance is reported when exposure allows but cash does not", "[unit][sniper]") {
  // With max_exposure_pct = 1 the two checks differ only by the 1e-9 tolerance.
  RiskSettings risk = wide_risk();
  risk.max_exposure_pct = 1.0;
  PaperSettings paper;
  paper.initial_balance = 100.0;
  SniperRig rig(risk, paper);
  rig.arm(rig.condition("x", "BTC", Direction::Long, TriggerType::Above, 10, 100.0 + 5e-10, 0.5, 0.5));
  rig.tick("BTC", 10);
  const auto finished = rig.sink.all<ConditionFinished>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].reason.view() == "insufficient_balance");
}

TEST_CASE("conditions expire by tick time and by the sweep", "[unit][sniper]") {
  SniperRig rig;
  auto c = rig.condition("e1", "BTC", Direction::Long, TriggerType::Above, 100);
  c.valid_until_ms = SniperRig::t0 + 1000;
  rig.arm(c);
  auto d = rig.condition("e2", "ETH", Direction::Long, TriggerType::Above, 100);
  d.valid_until_ms = SniperRig::t0 + 1000;
  rig.arm(d);

  rig.tick("BTC", 50, SniperRig::t0 + 1000);  // at valid_until: still armed
  CHECK(rig.sniper.active_condition_count() == 2);
  rig.tick("BTC", 150, SniperRig::t0 + 1001);  // past it: expires even though the price would fire
  CHECK(rig.sink.all<PositionOpened>().empty());
  auto finished = rig.sink.all<ConditionFinished>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].id == std::string_view("e1"));
  CHECK(finished[0].status == ConditionStatus::Expired);
  CHECK(finished[0].ts_ms == SniperRig::t0 + 1001);

  // ETH never ticks: the sweep expires it.
  CHECK(rig.sniper.sweep(SniperRig::t0 + 1000).expired == 0);
  CHECK(rig.sniper.sweep(SniperRig::t0 + 2000).expired == 1);
  finished = rig.sink.all<ConditionFinished>();
  REQUIRE(finished.size() == 2);
  CHECK(finished[1].id == std::string_view("e2"));
  CHECK(finished[1].ts_ms == SniperRig::t0 + 2000);
  CHECK(rig.sniper.active_condition_count() == 0);
}

TEST_CASE("invalid prices are dropped and counted, and change nothing", "[unit][sniper]") {
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(),
                        0.0,
                        -1.0,
                        -42001.0,
                        1e-320,  // subnormal: qty = size / p would be infinite
                        1e-13,
                        1.000001e12,
                        std::numeric_limits<double>::max()};
  SniperRig rig;
  rig.arm(rig.condition("c", "BTC", Direction::Long, TriggerType::Below, 100));
  rig.arm(rig.condition("d", "ETH", Direction::Short, TriggerType::Above, 1));
  const auto records_before = rig.sink.records.size();
  for (double p : bad) {
    rig.tick("BTC", p);
    rig.tick("ETH", p);
  }
  CHECK(rig.sniper.counters().invalid_ticks == 20);
  CHECK(rig.sniper.counters().ticks == 20);
  CHECK(rig.sink.records.size() == records_before);
  CHECK(rig.sniper.active_condition_count() == 2);
  CHECK_FALSE(rig.sniper.last_price(0).has_value());
  // an unknown coin id is invalid too
  rig.sniper.on_price_tick(static_cast<CoinId>(99), 10.0, SniperRig::t0);
  CHECK(rig.sniper.counters().invalid_ticks == 21);
  // The rule's bounds themselves are real prices.
  rig.tick("BTC", 1e12);
  rig.tick("BTC", 1e-12);
  CHECK(rig.sniper.counters().invalid_ticks == 21);
}

TEST_CASE("while trading is paused nothing fires and nothing exits", "[unit][sniper]") {
  SniperRig rig;
  rig.arm(rig.condition("c", "BTC", Direction::Long, TriggerType::Above, 100));
  rig.tick("BTC", 100);
  REQUIRE(rig.sniper.open_position_count() == 1);
  rig.arm(rig.condition("d", "ETH", Direction::Long, TriggerType::Above, 100));
  rig.sniper.set_trading_enabled(false);
  rig.tick("BTC", 1);    // would stop out
  rig.tick("ETH", 500);  // would fire
  CHECK(rig.sniper.open_position_count() == 1);
  CHECK(rig.sniper.active_condition_count() == 1);
  CHECK(rig.sniper.counters().paused_ticks == 2);
  rig.sniper.set_trading_enabled(true);
  rig.tick("BTC", 97);  // the first fresh price after the pause is evaluated normally
  CHECK(rig.sink.all<PositionClosed>().size() == 1);
  CHECK(rig.sink.all<PositionClosed>()[0].exit_price == 97);
}

TEST_CASE("arming refuses broken rules and reused ids", "[unit][sniper]") {
  SniperRig rig;
  auto c = rig.condition("dup", "BTC", Direction::Long, TriggerType::Above, 100);
  CHECK_FALSE(rig.sniper.arm(c).has_value());
  const auto again = rig.sniper.arm(c);
  REQUIRE(again.has_value());
  CHECK(again->field == "id");
  rig.sniper.restore_known_id("from-journal");
  auto old = rig.condition("from-journal", "BTC", Direction::Long, TriggerType::Above, 100);
  CHECK(rig.sniper.arm(old)->field == "id");
  auto unknown = rig.condition("u", "NOPE", Direction::Long, TriggerType::Above, 100);
  CHECK(rig.sniper.arm(unknown)->field == "coin");
  const auto armed = rig.sink.all<ConditionArmed>();
  REQUIRE(armed.size() == 1);
  CHECK(armed[0].condition.id == "dup");
}

TEST_CASE("cancel, manual close and close-all act at the last valid price", "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  SniperRig rig(risk);
  rig.arm(rig.condition("a", "BTC", Direction::Long, TriggerType::Above, 100, 10.0, 0.5, 0.5));
  rig.arm(rig.condition("b", "ETH", Direction::Short, TriggerType::Below, 100, 10.0, 0.5, 0.5));
  rig.arm(rig.condition("keep", "SOL", Direction::Long, TriggerType::Above, 1000));
  rig.tick("BTC", 100);
  rig.tick("ETH", 100);
  rig.tick("BTC", 110);
  rig.tick("BTC", std::numeric_limits<double>::quiet_NaN());  // not a price to close at
  CHECK(rig.sniper.close_position("T-a", ExitReason::Manual));
  CHECK_FALSE(rig.sniper.close_position("T-a", ExitReason::Manual));
  auto closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].exit_price == 110);
  CHECK(closed[0].reason == ExitReason::Manual);
  CHECK(rig.sniper.close_all(ExitReason::Shutdown) == 0);
  closed = rig.sink.all<PositionClosed>();
  REQUIRE(closed.size() == 2);
  CHECK(closed[1].reason == ExitReason::Shutdown);
  CHECK(closed[1].exit_price == 100);
  CHECK(rig.sniper.cancel("keep", "by test"));
  CHECK_FALSE(rig.sniper.cancel("keep", "by test"));
  const auto finished = rig.sink.all<ConditionFinished>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].status == ConditionStatus::Cancelled);
  CHECK(finished[0].reason.view() == "by test");
}

TEST_CASE("a congested journal pauses new entries but never exits", "[unit][sniper]") {
  SniperRig rig;
  rig.arm(rig.condition("open", "BTC", Direction::Long, TriggerType::Above, 100, 10.0, 0.02, 0.015));
  rig.tick("BTC", 100);
  rig.arm(rig.condition("wait", "ETH", Direction::Long, TriggerType::Above, 100, 10.0));
  rig.sink.congested_flag = true;
  rig.tick("ETH", 100);
  CHECK(rig.sniper.active_condition_count() == 1);  // still armed, not consumed
  rig.tick("BTC", 90);
  CHECK(rig.sink.all<PositionClosed>().size() == 1);  // the stop still acts
  rig.sink.congested_flag = false;
  rig.tick("ETH", 100);
  CHECK(rig.sink.all<PositionOpened>().size() == 2);
}

TEST_CASE("indexed triggers: what fires on one tick goes in arming order, whatever the trigger prices and sides",
          "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.max_positions = 10;
  risk.max_position_per_coin = 10;
  SniperRig rig(risk);
  auto armed = [&](const std::string& id, TriggerType trig, double price, const char* coin = "BTC") {
    rig.arm(rig.condition(id, coin, Direction::Long, trig, price, 10.0));
  };
  armed("a-105", TriggerType::Above, 105);
  armed("b-120", TriggerType::Above, 120);  // not reached
  armed("c-101", TriggerType::Above, 101);
  armed("d-below-200", TriggerType::Below, 200);  // fires at any price up to 200
  armed("e-101-tie", TriggerType::Above, 101);
  armed("f-101-cancelled", TriggerType::Above, 101);
  armed("g-below-50", TriggerType::Below, 50);  // not reached
  armed("h-110", TriggerType::Above, 110);
  armed("i-eth", TriggerType::Above, 1, "ETH");           // another coin: a BTC tick never fires it
  REQUIRE(rig.sniper.cancel("f-101-cancelled", "test"));  // out of the middle of equal triggers
  rig.tick("BTC", 99);                                    // nothing above fires; d fires
  rig.tick("BTC", 110);
  std::vector<std::string> opened;
  for (const auto& o : rig.sink.all<PositionOpened>()) opened.push_back(o.position.condition_id.str());
  CHECK(opened == std::vector<std::string>{"d-below-200", "a-105", "c-101", "e-101-tie", "h-110"});
  std::vector<std::string> left;
  for (const auto& c : rig.sniper.active_conditions()) left.push_back(c.id.str());
  CHECK(left == std::vector<std::string>{"b-120", "g-below-50", "i-eth"});
  rig.tick("BTC", 49.5);  // below 50 fires; 120 never did
  CHECK(rig.sink.all<PositionOpened>().size() == 6);
  CHECK(rig.sniper.active_condition_count() == 2);
}

TEST_CASE("indexed triggers: journal backpressure keeps fired conditions armed, in order, until it clears",
          "[unit][sniper]") {
  RiskSettings risk = wide_risk();
  risk.max_position_per_coin = 5;
  SniperRig rig(risk);
  rig.arm(rig.condition("x-102", "BTC", Direction::Long, TriggerType::Above, 102, 10.0));
  rig.arm(rig.condition("y-101", "BTC", Direction::Long, TriggerType::Above, 101, 10.0));
  rig.sink.congested_flag = true;
  for (int i = 0; i < 3; ++i) rig.tick("BTC", 103);
  CHECK(rig.sink.all<PositionOpened>().empty());
  CHECK(rig.sniper.active_condition_count() == 2);
  rig.sink.congested_flag = false;
  rig.tick("BTC", 103);
  const auto opened = rig.sink.all<PositionOpened>();
  REQUIRE(opened.size() == 2);
  CHECK(opened[0].position.condition_id == std::string_view("x-102"));
  CHECK(opened[1].position.condition_id == std::string_view("y-101"));
}
