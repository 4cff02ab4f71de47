// Property: on thousands of seeded random paths with many conditions, the
// Sniper's records equal the plain reference model's events, to 1e-9.

#include <catch2/catch.hpp>
#include <cmath>

#include "random_scenario.hpp"
#include "reference_model.hpp"
#include "sniper_rig.hpp"

using namespace tradingd;
using namespace tradingd::test;

namespace {

std::vector<ModelEvent> events_from(const std::vector<JournalRecord>& records, const CoinTable&) {
  std::vector<ModelEvent> out;
  for (const auto& r : records) {
    if (const auto* o = std::get_if<PositionOpened>(&r)) {
      out.push_back({"OPENED", o->position.id.str(), "", o->position.entry_price, 0, 0, o->ts_ms});
    } else if (const auto* c = std::get_if<PositionClosed>(&r)) {
      out.push_back({"CLOSED", c->trade_id.str(), std::string(to_string(c->reason)), c->exit_price, c->pnl_usd,
                     c->balance_after, c->exit_ms});
    } else if (const auto* f = std::get_if<ConditionFinished>(&r)) {
      out.push_back({std::string(to_string(f->status)), f->id.str(), f->reason.str(),
                     f->status == ConditionStatus::Rejected ? -1.0 : 0.0, 0, 0, f->ts_ms});
    }
  }
  return out;
}

bool same(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

}  // namespace

TEST_CASE("the Sniper matches the reference model on 3000 random paths", "[unit][sniper][property]") {
  RiskSettings risk;
  risk.max_positions = 4;
  risk.max_position_per_coin = 2;
  risk.max_exposure_pct = 0.15;
  PaperSettings paper;
  paper.initial_balance = 1000.0;
  paper.fee_pct = 0.001;

  std::size_t opened = 0, closed = 0, rejected = 0, expired = 0;
  for (std::uint32_t seed = 1; seed <= 3000; ++seed) {
    const Scenario s = make_scenario(seed, 300, 25, SniperRig::t0);
    SniperRig rig(risk, paper);
    ReferenceModel model(risk, paper);
    for (const auto& c : s.conditions) {
      rig.arm(c);
      model.arm(c);
    }
    std::int64_t last_second = -1;
    for (const auto& t : s.ticks) {
      if (t.ts / 1000 != last_second) {  // the once-a-second sweep, on tick time as --replay does
        last_second = t.ts / 1000;
        rig.sniper.sweep(t.ts);
        model.sweep(t.ts);
      }
      rig.tick(t.coin, t.price, t.ts);
      model.tick(t.coin, t.price, t.ts);
    }
    const auto got = events_from(rig.sink.records, rig.coins);
    INFO("seed " << seed);
    REQUIRE(got.size() == model.events.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto& g = got[i];
      const auto& m = model.events[i];
      INFO("event " << i << ": " << g.kind << " " << g.id << " vs " << m.kind << " " << m.id);
      REQUIRE(g.kind == m.kind);
      REQUIRE(g.id == m.id);
      REQUIRE(g.reason == m.reason);
      REQUIRE(g.ts == m.ts);
      if (g.kind == "OPENED" || g.kind == "CLOSED") REQUIRE(same(g.price, m.price));
      if (g.kind == "CLOSED") {
        REQUIRE(same(g.pnl, m.pnl));
        REQUIRE(same(g.balance, m.balance));
      }
      opened += g.kind == "OPENED";
      closed += g.kind == "CLOSED";
      rejected += g.kind == "REJECTED";
      expired += g.kind == "EXPIRED";
    }
    REQUIRE(same(rig.sniper.balance(), model.balance()));
    REQUIRE(rig.sniper.open_position_count() == model.open_ids().size());
    REQUIRE(rig.sniper.active_condition_count() == model.active_count());
  }
  // The paths must actually exercise every outcome, or the property proves little.
  CHECK(opened > 3000);
  CHECK(closed > 1000);
  CHECK(rejected > 1000);
  CHECK(expired > 1000);
  WARN("property totals: opened " << opened << ", closed " << closed << ", rejected " << rejected << ", expired "
                                  << expired);
}
