// Property: on thousands of seeded random paths with many conditions, the
// Sniper's records equal the plain reference model's events, to 1e-9: first
// with fixed levels and trade fills only, then with quotes (some invalid,
// one-sided or stale), trailing stops, activations, time limits, OCO groups,
// exits of 0, cooldowns, quote fills and slippage, each path with settings of
// its own. Rows are fed as --replay feeds them: the clock at the row's time,
// the sweep before the first row of each tick-time second and after the last,
// a row's quote before its trade.

#include <catch2/catch.hpp>
#include <cmath>

#include "random_scenario.hpp"
#include "reference_model.hpp"
#include "sniper_rig.hpp"

using namespace tradingd;
using namespace tradingd::test;

namespace {

std::vector<ModelEvent> events_from(const std::vector<JournalRecord>& records) {
  std::vector<ModelEvent> out;
  for (const auto& r : records) {
    if (const auto* o = std::get_if<PositionOpened>(&r)) {
      const Position& p = o->position;
      out.push_back({"OPENED", p.id.str(), "", p.entry_price, 0, 0, o->ts_ms, std::string(to_string(p.entry_fill)),
                     p.entry_mark});
    } else if (const auto* c = std::get_if<PositionClosed>(&r)) {
      out.push_back({"CLOSED", c->trade_id.str(), std::string(to_string(c->reason)), c->exit_price, c->pnl_usd,
                     c->balance_after, c->exit_ms, std::string(to_string(c->exit_fill)), c->exit_mark});
    } else if (const auto* f = std::get_if<ConditionFinished>(&r)) {
      out.push_back({std::string(to_string(f->status)), f->id.str(), f->reason.str(), 0, 0, 0, f->ts_ms, "", 0});
    }
  }
  return out;
}

bool same(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

struct Totals {
  std::map<std::string, std::size_t> n;
  void add(const std::string& key) { ++n[key]; }
  [[nodiscard]] std::size_t operator[](const std::string& key) const { return n.count(key) ? n.at(key) : 0; }
};

// Runs one scenario through a Sniper and the model and requires the same journal.
void check_path(std::uint32_t seed, const Scenario& s, Totals& totals) {
  SniperRig rig(s.risk, s.paper);
  ReferenceModel model(s.risk, s.paper);
  for (const auto& c : s.conditions) {
    rig.arm(c);
    model.arm(c);
  }
  std::int64_t last_second = -1;
  for (const auto& t : s.ticks) {
    rig.clock.set(t.ts);
    if (t.ts / 1000 != last_second) {
      last_second = t.ts / 1000;
      rig.sniper.sweep(t.ts);
      model.sweep(t.ts);
    }
    if (t.has_quote()) {
      Quote q;
      q.has_bid = t.has_bid;
      q.has_ask = t.has_ask;
      q.bid = t.bid;
      q.ask = t.ask;
      q.ts_ms = t.ts;
      rig.sniper.on_quote(*rig.coins.find(t.coin), q);
      model.quote(t.coin, ModelQuote{t.has_bid, t.has_ask, t.bid, t.ask}, t.ts);
    }
    if (t.has_price) {
      rig.tick(t.coin, t.price, t.ts);
      model.tick(t.coin, t.price, t.ts);
    }
  }
  rig.sniper.sweep(s.ticks.back().ts);
  model.sweep(s.ticks.back().ts);

  const auto got = events_from(rig.sink.records);
  INFO("seed " << seed);
  REQUIRE(got.size() == model.events.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& g = got[i];
    const auto& m = model.events[i];
    INFO("event " << i << ": " << g.kind << " " << g.id << " " << g.reason << " vs " << m.kind << " " << m.id << " "
                  << m.reason);
    REQUIRE(g.kind == m.kind);
    REQUIRE(g.id == m.id);
    REQUIRE(g.reason == m.reason);
    REQUIRE(g.ts == m.ts);
    if (g.kind == "OPENED" || g.kind == "CLOSED") {
      REQUIRE(same(g.price, m.price));
      REQUIRE(g.fill == m.fill);
      REQUIRE(same(g.mark, m.mark));
      totals.add(g.kind + " " + g.fill);
    }
    if (g.kind == "CLOSED") {
      REQUIRE(same(g.pnl, m.pnl));
      REQUIRE(same(g.balance, m.balance));
    }
    totals.add(g.kind + (g.kind == "OPENED" ? "" : " " + g.reason.substr(0, g.reason.find(':'))));
  }
  REQUIRE(same(rig.sniper.balance(), model.balance()));
  REQUIRE(rig.sniper.open_position_count() == model.open_ids().size());
  REQUIRE(rig.sniper.active_condition_count() == model.active_count());
  const auto best = model.open_best();
  for (const auto& p : rig.sniper.open_positions()) REQUIRE(same(p.best_price, best.at(p.id.str())));
}

}  // namespace

TEST_CASE("the Sniper matches the reference model on 3000 random paths", "[unit][sniper][property]") {
  Totals totals;
  for (std::uint32_t seed = 1; seed <= 3000; ++seed)
    check_path(seed, make_scenario(seed, 300, 25, SniperRig::t0), totals);
  // The paths must actually exercise every outcome, or the property proves little.
  CHECK(totals["OPENED"] > 3000);
  CHECK(totals["CLOSED TAKE_PROFIT"] + totals["CLOSED STOP_LOSS"] > 1000);
  CHECK(totals["REJECTED max_exposure"] + totals["REJECTED max_positions"] > 1000);
  CHECK(totals["EXPIRED valid_until passed"] > 1000);
}

TEST_CASE(
    "with trailing stops, time limits, OCO groups, cooldowns and quote fills, the Sniper matches the model on "
    "6000 random paths",
    "[unit][sniper][property]") {
  Totals totals;
  for (std::uint32_t seed = 1; seed <= 6000; ++seed)
    check_path(seed, make_rich_scenario(seed, 300, 25, SniperRig::t0), totals);
  std::string summary;
  for (const auto& [k, v] : totals.n) summary += k + " " + std::to_string(v) + "; ";
  INFO(summary);
  // Every rule must be exercised many times over.
  for (const char* key :
       {"CLOSED STOP_LOSS", "CLOSED TAKE_PROFIT", "CLOSED TRAILING_STOP", "CLOSED TIME_LIMIT", "CANCELLED oco",
        "REJECTED cooldown", "REJECTED max_positions", "REJECTED max_exposure", "EXPIRED valid_until passed",
        "OPENED ask", "OPENED bid", "OPENED trade", "CLOSED ask", "CLOSED bid", "CLOSED trade"}) {
    INFO(key);
    CHECK(totals[key] > 300);
  }
  WARN("property totals: " << summary);
}
