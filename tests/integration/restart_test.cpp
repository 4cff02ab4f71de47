// Restart and crash: the journal is the single source of truth (design.md §5).

#include <signal.h>

#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "daemon_harness.hpp"
#include "sim_process.hpp"

using namespace tradingd;
using namespace tradingd::test;
using Catch::Matchers::WithinAbs;

namespace {

constexpr long long t0 = 1'764'158'400'000;

std::string csv(long long start, const std::vector<std::pair<std::string, double>>& path) {
  std::string out;
  for (const auto& [coin, price] : path)
    out += std::to_string(start += 100) + "," + coin + "," + std::to_string(price) + "\n";
  return out;
}

}  // namespace

TEST_CASE("a restart recovers balance, open positions and armed conditions from the journal",
          "[integration][restart]") {
  DaemonHarness h("restart");
  h.set("shutdown", "conditions", "\"keep\"");
  h.set("shutdown", "positions", "\"keep\"");
  h.write_config();
  const auto conditions = h.write("conditions.json", R"([
    {"id":"won","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":100,
     "position_size_usd":40,"strategy_id":"s","valid_until":"2030-01-01T00:00:00Z"},
    {"id":"held","coin":"ETH","direction":"SHORT","trigger_type":"BELOW","trigger_price":50,
     "position_size_usd":30,"strategy_id":"s","valid_until":"2030-01-01T00:00:00Z"},
    {"id":"later","coin":"SOL","direction":"LONG","trigger_type":"ABOVE","trigger_price":20,
     "position_size_usd":20,"strategy_id":"s","valid_until":"2030-01-01T00:00:00Z"}])");
  // run 1: BTC opens and takes profit (tp 101.5), ETH opens and stays open, SOL never fires
  const auto r1 =
      h.replay(conditions, h.write("t1.csv", csv(t0, {{"BTC", 100}, {"BTC", 102}, {"ETH", 49}, {"SOL", 10}})), "run1");
  INFO(r1.out << r1.err);
  REQUIRE(r1.exit_code == 0);
  const double balance1 = h.query_double("SELECT balance FROM balance ORDER BY seq DESC LIMIT 1");
  REQUIRE(balance1 > 1000.0);
  REQUIRE(h.query("SELECT status FROM trades WHERE id = 'T-held'") == "OPEN");
  REQUIRE(h.query("SELECT status FROM conditions WHERE id = 'later'") == "ACTIVE");

  // run 2, same database, no conditions file: the daemon must find the open
  // SHORT (sl 50.96 = 49 x 1.02) and the armed SOL condition on its own.
  const auto t2 = h.write("t2.csv", csv(t0 + 10'000, {{"ETH", 49.5}, {"SOL", 21}, {"ETH", 51}}));
  const auto r2 = h.run({"--config", (h.dir() / "settings.toml").string(), "--replay", t2.string()}, "run2");
  INFO(r2.out << r2.err);
  REQUIRE(r2.exit_code == 0);
  CHECK_THAT(r2.out, Catch::Contains("recovered"));
  CHECK_THAT(r2.out, Catch::Contains("1 open positions, 1 armed conditions"));
  CHECK(h.query("SELECT exit_reason FROM trades WHERE id = 'T-held'") == "STOP_LOSS");
  CHECK(h.query("SELECT status FROM trades WHERE id = 'T-later'") == "OPEN");
  const double qty = 30.0 / 49.0;
  const double pnl_held = qty * (49.0 - 51.0) - 30 * 0.001 - qty * 51 * 0.001;
  CHECK_THAT(h.query_double("SELECT balance FROM balance ORDER BY seq DESC LIMIT 1"),
             WithinAbs(balance1 + pnl_held, 1e-9));
  CHECK(h.invariant_violations(1000.0).empty());

  // run 3: the conditions file again; its ids are in the journal with the same
  // terms, so nothing re-arms and nothing is refused
  const auto r3 = h.replay(conditions, h.write("t3.csv", csv(t0 + 20'000, {{"BTC", 100}, {"ETH", 49}})), "run3");
  INFO(r3.out << r3.err);
  REQUIRE(r3.exit_code == 0);
  CHECK(std::regex_search(r3.out, std::regex("conditions.json: 0 conditions armed, [1-9][0-9]* already armed with the "
                                             "same terms, 0 refused")));
  CHECK(h.query("SELECT count(*) FROM trades") == "3");
  CHECK(h.invariant_violations(1000.0).empty());
}

TEST_CASE("kill -9 mid-run leaves a consistent journal that a restart trades on", "[integration][restart][crash]") {
  DaemonHarness h("kill9");
  h.set("risk", "max_positions", "4");
  h.set("risk", "max_position_per_coin", "2");
  h.set("risk", "max_exposure_pct", "0.5");
  h.write_config();
  Scenario s = make_scenario(7, 30000, 600, t0, false);  // a replay file: real prices only
  const auto conditions = h.write("c.json", conditions_json(s.conditions));
  const auto ticks = h.write("t.csv", ticks_csv(s.ticks));

  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    TestProcess p({TRADINGD_BINARY, "--config", (h.dir() / "settings.toml").string(), "--conditions",
                   conditions.string(), "--replay", ticks.string(), "--replay-rate", "6000"},
                  h.dir(), "kill9-" + std::to_string(round));
    // Let it trade for a while: until this round has opened a few trades, or
    // at most 2.5 s (the whole replay takes 5 s, so it is still mid-run).
    auto trade_count = [&]() -> int {
      try {
        return std::filesystem::exists(h.db_path()) ? std::stoi(h.query("SELECT count(*) FROM trades")) : 0;
      } catch (const std::exception&) {
        return 0;  // the schema may not be there yet
      }
    };
    const int at_start = trade_count();
    // Progress first, whatever the machine's speed: a trade in the journal
    // before the first kill (the replay is paced by the clock, so a slow
    // start-up only shifts it); then up to 3 more, or 2.5 s, so the kill
    // lands mid-run.
    REQUIRE(wait_until([&] { return trade_count() > 0 || !p.running(); }, std::chrono::seconds(60)));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
    while (std::chrono::steady_clock::now() < deadline && trade_count() < at_start + 3)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(p.running());
    p.signal(SIGKILL);
    REQUIRE(p.wait(std::chrono::seconds(5)) == 128 + SIGKILL);
    const auto violations = h.invariant_violations(1000.0);
    for (const auto& v : violations) UNSCOPED_INFO(v);
    CHECK(violations.empty());
    CHECK(std::stoi(h.query("SELECT count(*) FROM trades")) > 0);
  }

  // A clean run on the crashed journal: recovers, finishes, stays consistent.
  const auto tail = h.write("tail.csv", ticks_csv({s.ticks.end() - 2000, s.ticks.end()}));
  const auto r = h.run({"--config", (h.dir() / "settings.toml").string(), "--replay", tail.string()}, "after-crash");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("(recovered)"));
  CHECK(h.invariant_violations(1000.0).empty());
  CHECK(h.query("SELECT count(*) FROM conditions WHERE status = 'ACTIVE'") == "0");  // cancelled at shutdown
  CHECK(h.query("SELECT count(*) FROM (SELECT id FROM trades GROUP BY id HAVING count(*) > 1)") == "0");
}

TEST_CASE("a restart mid-trail resumes the trail from the persisted best price, time limits survive too",
          "[integration][restart][trailing]") {
  DaemonHarness h("restart-trail");
  h.set("shutdown", "conditions", "\"keep\"");
  h.set("shutdown", "positions", "\"keep\"");
  h.write_config();
  const auto conditions = h.write("conditions.json", R"([
    {"id":"up","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":100,"stop_loss_pct":0.05,
     "take_profit_pct":0,"trailing_stop_pct":0.03,"position_size_usd":40,"valid_until":"2030-01-01T00:00:00Z"},
    {"id":"down","coin":"ETH","direction":"SHORT","trigger_type":"BELOW","trigger_price":50,"stop_loss_pct":0,
     "take_profit_pct":0,"trailing_stop_pct":0.02,"trailing_activation_pct":0.1,"position_size_usd":30,
     "valid_until":"2030-01-01T00:00:00Z"},
    {"id":"timed","coin":"SOL","direction":"LONG","trigger_type":"ABOVE","trigger_price":20,"stop_loss_pct":0,
     "take_profit_pct":0,"max_hold_ms":60000,"position_size_usd":20,"valid_until":"2030-01-01T00:00:00Z"}])");
  // run 1: BTC opens at 100, best 120 (trail 116.4); ETH opens at 50, best 40
  // (active below 45: trail 40.8); SOL opens at 21 with a minute to live.
  const auto r1 = h.replay(
      conditions,
      h.write(
          "t1.csv",
          csv(t0, {{"BTC", 100}, {"BTC", 120}, {"BTC", 118}, {"ETH", 50}, {"ETH", 40}, {"ETH", 40.5}, {"SOL", 21}})),
      "run1");
  INFO(r1.out << r1.err);
  REQUIRE(r1.exit_code == 0);
  CHECK(h.query("SELECT best_price FROM trades WHERE id = 'T-up'") == "120.0");
  CHECK(h.query("SELECT best_price FROM trades WHERE id = 'T-down'") == "40.0");
  CHECK(h.query("SELECT status FROM trades") == "OPEN");

  // run 2: from the entry alone the trails would sit at 97 and nowhere (ETH
  // never reached its activation): only the persisted best makes 117 safe and
  // 116.3 (under 116.4) a TRAILING_STOP, and 40.9 (over 40.8) one for ETH.
  // SOL's minute has passed by the first row: its next tick closes it.
  const auto t2 =
      h.write("t2.csv", csv(t0 + 61'000, {{"BTC", 117}, {"ETH", 40.7}, {"SOL", 22}, {"BTC", 116.3}, {"ETH", 40.9}}));
  const auto r2 = h.run({"--config", (h.dir() / "settings.toml").string(), "--replay", t2.string()}, "run2");
  INFO(r2.out << r2.err);
  REQUIRE(r2.exit_code == 0);
  CHECK_THAT(r2.out, Catch::Contains("3 open positions"));
  CHECK(h.query("SELECT exit_reason || ' ' || exit_price || ' ' || exit_ms FROM trades WHERE id = 'T-up'") ==
        "TRAILING_STOP 116.3 " + std::to_string(t0 + 61'400));
  CHECK(h.query("SELECT exit_reason || ' ' || exit_price FROM trades WHERE id = 'T-down'") == "TRAILING_STOP 40.9");
  CHECK(h.query("SELECT exit_reason || ' ' || exit_price FROM trades WHERE id = 'T-timed'") == "TIME_LIMIT 22.0");
  CHECK(h.invariant_violations(1000.0).empty());
}
