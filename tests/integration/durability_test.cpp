// Durability with real processes: kill -9 in a loop, a second daemon, damaged
// and old journals, and storage faults (a locked database, a full disk). Each
// test reads back what a user would: journal rows, log lines, exit codes.

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>

#include "live_run.hpp"
#include "random_scenario.hpp"

using namespace tradingd::test;

namespace {

// A scenario's valid ticks as an exchange-sim path, and its conditions armed
// from now for an hour (the sim stamps trades with the wall clock).
void write_scenario(const LiveRun& run, Scenario& s) {
  std::string csv = "ts_ms,symbol,price\n";
  char buf[96];
  for (const auto& t : s.ticks)
    if (t.price > 0) {
      std::snprintf(buf, sizeof buf, "0,%sUSDT,%.10g\n", t.coin.c_str(), t.price);
      csv += buf;
    }
  run.write_path(csv);
  const auto now = tradingd::SystemClock().now_ms();
  for (auto& c : s.conditions) {
    c.created_at_ms = now;
    c.valid_until_ms = now + 3'600'000;
  }
  run.daemon.write("conditions.json", conditions_json(s.conditions));
}

// A journal with one condition that fired and took profit, made by a real
// replay; returns the ticks file (a replay that ends by itself).
std::filesystem::path replay_one_closed_trade(DaemonHarness& h) {
  h.write_config();
  const auto conditions = h.write("c.json", R"([{"id":"c1","coin":"BTC","direction":"LONG","trigger_type":"ABOVE",
      "trigger_price":100,"position_size_usd":50,"valid_until":"2030-01-01T00:00:00Z","created_at":1764158400000}])");
  const auto ticks = h.write("t.csv", "ts_ms,coin,price\n1764158400000,BTC,100\n1764158401000,BTC,102\n");
  REQUIRE(h.replay(conditions, ticks).exit_code == 0);
  return ticks;
}

TestProcess start_daemon(const LiveRun& run, bool with_conditions, const std::string& name) {
  std::vector<std::string> argv = {TRADINGD_BINARY, "--config", (run.daemon.dir() / "settings.toml").string()};
  if (with_conditions) argv.insert(argv.end(), {"--conditions", (run.daemon.dir() / "conditions.json").string()});
  return TestProcess(argv, run.daemon.dir(), name);
}

// What no restart may undo: conditions that left ACTIVE, trades that closed.
using Settled = std::map<std::string, std::string>;
Settled settled(const DaemonHarness& h) {
  Settled out;
  SQLite::Database db(h.db_path().string(), SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  SQLite::Statement c(db, "SELECT id, status || ' ' || status_reason FROM conditions WHERE status != 'ACTIVE'");
  while (c.executeStep()) out["condition " + c.getColumn(0).getString()] = c.getColumn(1).getString();
  SQLite::Statement t(db,
                      "SELECT id, exit_reason || ' ' || exit_price || ' ' || pnl_usd FROM trades "
                      "WHERE status = 'CLOSED'");
  while (t.executeStep()) out["trade " + t.getColumn(0).getString()] = t.getColumn(1).getString();
  return out;
}

}  // namespace

TEST_CASE("durability: kill -9 at random moments, 50 times, every restart finds a consistent journal",
          "[integration][durability][crash]") {
  LiveRun run("crash-loop", "bybit");
  run.daemon.set("trading", "coins", R"(["BTC", "ETH", "SOL"])");
  run.daemon.set("risk", "max_positions", "6");
  run.daemon.set("risk", "max_position_per_coin", "3");
  run.daemon.set("risk", "max_exposure_pct", "0.5");
  run.daemon.set("feed", "backoff_initial_ms", "20");
  run.daemon.set("feed", "backoff_max_ms", "50");
  Scenario s = make_scenario(11, 45000, 1500, 0);
  write_scenario(run, s);
  // --loop: the path never runs out however many messages the rounds take.
  SimProcess sim(run.sim_args({"--plain", "--rate", "3000", "--progress-every", "50", "--loop"}), run.daemon.dir(),
                 "sim");
  run.point_at(sim);
  // How far the sim has played the path. The path moves only while a client
  // takes it, so waiting on it (not on the wall clock) keeps every round the
  // same on a slow or shared machine.
  const auto played = [&]() -> long {
    const std::string out = sim.output();
    const auto at = out.rfind("progress: ");
    return at == std::string::npos ? 0 : std::stol(out.substr(at + 10));
  };

  // First start: arm every condition, then crash from there on.
  {
    TestProcess p = start_daemon(run, true, "arm");
    REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM conditions") == 1500; }));
    p.signal(SIGKILL);
    REQUIRE(p.wait(std::chrono::seconds(5)) == 128 + SIGKILL);
  }
  std::mt19937 rng(2026);
  // Each round trades on 100 to 1,000 more messages, then is killed a random
  // moment later: the kills land anywhere, and progress never depends on speed.
  std::uniform_int_distribution<long> run_messages(100, 1000);
  std::uniform_int_distribution<int> then_ms(0, 50);
  Settled before = settled(run.daemon);
  int kills = 1;
  for (int round = 0; round < 50; ++round) {
    INFO("round " << round);
    const long target = played() + run_messages(rng);
    TestProcess p = start_daemon(run, false, "crash-" + std::to_string(round));
    REQUIRE(wait_until([&] { return played() >= target || !p.running(); }, std::chrono::seconds(60)));
    std::this_thread::sleep_for(std::chrono::milliseconds(then_ms(rng)));
    REQUIRE(p.running());
    p.signal(SIGKILL);
    REQUIRE(p.wait(std::chrono::seconds(5)) == 128 + SIGKILL);
    ++kills;
    const auto violations = run.daemon.invariant_violations(1000.0);
    for (const auto& v : violations) UNSCOPED_INFO(v);
    REQUIRE(violations.empty());
    const Settled after = settled(run.daemon);
    for (const auto& [key, value] : before) {
      INFO(key);
      REQUIRE(after.count(key) == 1);  // never resurrected or reopened
      CHECK(after.at(key) == value);   // nor changed
    }
    before = after;
  }
  CHECK(kills >= 50);
  // No position opened or closed twice, in the audit trail either.
  CHECK(run.daemon.query("SELECT count(*) FROM (SELECT ref_id FROM events WHERE kind = 'POSITION_OPENED' "
                         "GROUP BY ref_id HAVING count(*) > 1)") == "0");
  CHECK(run.daemon.query("SELECT count(*) FROM (SELECT ref_id FROM events WHERE kind = 'POSITION_CLOSED' "
                         "GROUP BY ref_id HAVING count(*) > 1)") == "0");
  // It traded between kills: at least 50 x 100 messages went out to it.
  CHECK(played() >= 5000);
  CHECK(run.count("SELECT count(*) FROM trades") > 0);

  // And a clean run on the crashed journal plays on until the whole path has
  // gone out at least once, then shuts down cleanly. What closed is then a
  // matter of the path, not of speed.
  // (The rounds may have played more than a path already: the final run
  // plays 3,000 more at least, so it is past start-up when it is stopped.)
  const long final_target = std::max(played() + 3000, static_cast<long>(s.ticks.size()) + 500);
  TestProcess last = start_daemon(run, false, "final");
  REQUIRE(wait_until([&] { return played() >= final_target || !last.running(); }, std::chrono::seconds(120)));
  CHECK(stop(last) == 0);
  CHECK(run.count("SELECT count(*) FROM trades WHERE status = 'CLOSED'") > 20);
  CHECK(run.daemon.invariant_violations(1000.0).empty());
  CHECK(run.log().find("(recovered)") != std::string::npos);
}

TEST_CASE("durability: kill -9 mid-trail, the restart trails from the best price the journal kept",
          "[integration][durability][trailing]") {
  LiveRun run("kill-trail", "bybit");
  run.daemon.set("shutdown", "positions", "\"keep\"");
  // LONG at 100 with a 3 % trail: the best climbs to 120 (trail 116.4).
  run.write_path("ts_ms,symbol,price\n0,BTCUSDT,99\n0,BTCUSDT,100\n0,BTCUSDT,110\n0,BTCUSDT,120\n0,BTCUSDT,119\n");
  std::string long_trail = condition("trail", "BTC", "LONG", "ABOVE", 100, 40);
  long_trail.pop_back();
  run.write_conditions({long_trail + R"(,"stop_loss_pct":0.05,"take_profit_pct":0,"trailing_stop_pct":0.03})"});
  {
    SimProcess sim(run.sim_args({}), run.daemon.dir(), "sim1");
    run.point_at(sim);
    TestProcess p = start_daemon(run, true, "tradingd-1");
    // The best is kept in memory on every tick and reaches the journal within a second.
    const auto best_persisted = [&] {
      try {
        return run.daemon.query_double("SELECT ifnull(max(best_price), 0) FROM trades") == 120.0;
      } catch (const std::exception&) {
        return false;  // no journal yet
      }
    };
    if (!wait_until(best_persisted, std::chrono::seconds(20)))
      FAIL("the best price never reached the journal\n" << run.log());
    p.signal(SIGKILL);
    REQUIRE(p.wait(std::chrono::seconds(5)) == 128 + SIGKILL);
  }
  REQUIRE(run.daemon.query("SELECT status FROM trades WHERE id = 'T-trail'") == "OPEN");
  // From the entry alone the trail would be at 97: 117 and 116.3 would do nothing.
  run.write_path("ts_ms,symbol,price\n0,BTCUSDT,117\n0,BTCUSDT,116.3\n0,BTCUSDT,115\n", "path2.csv");
  SimProcess sim(run.sim_args({}, "path2.csv", "sim2-ca.pem"), run.daemon.dir(), "sim2");
  run.daemon.set("tls", "ca_file", "\"sim2-ca.pem\"");
  run.point_at(sim);
  TestProcess p = start_daemon(run, false, "tradingd-2");
  run.require_trades_closed(sim, 1);
  CHECK(stop(p) == 0);
  CHECK(run.daemon.query("SELECT exit_reason || ' ' || exit_price || ' ' || best_price FROM trades") ==
        "TRAILING_STOP 116.3 120.0");
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}

TEST_CASE("durability: a second tradingd on the same journal is refused", "[integration][durability]") {
  DaemonHarness h("second-daemon");
  h.write_config();
  TestProcess first({TRADINGD_BINARY, "--config", (h.dir() / "settings.toml").string()}, h.dir(), "first");
  REQUIRE(wait_until([&] { return read_file(h.log_path()).find("running for") != std::string::npos; }));
  const auto second = h.run({"--config", (h.dir() / "settings.toml").string()}, "second");
  CHECK(second.exit_code == 2);
  CHECK_THAT(second.err,
             Catch::Contains("journal.db is in use by another tradingd (pid " + std::to_string(first.pid()) + ")"));
  first.signal(SIGTERM);
  CHECK(first.wait(std::chrono::seconds(10)) == 0);
}

TEST_CASE("durability: an inconsistent or damaged journal stops start-up with exit 2", "[integration][durability]") {
  DaemonHarness h("bad-journal");
  const auto ticks = replay_one_closed_trade(h);
  REQUIRE(h.query("SELECT status FROM trades") == "CLOSED");
  // With --replay, a daemon that wrongly started would also end by itself.
  const std::vector<std::string> args = {"--config", (h.dir() / "settings.toml").string(), "--replay", ticks.string()};

  SECTION("a close missing from the balance") {
    {
      SQLite::Database db(h.db_path().string(), SQLite::OPEN_READWRITE);
      db.exec("DELETE FROM balance WHERE trade_id = 'T-c1'");
    }
    const auto r = h.run(args, "inconsistent");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("the journal is inconsistent; refusing to trade on it"));
    CHECK_THAT(r.err, Catch::Contains("1 CLOSED trades missing from the balance"));
  }
  SECTION("a damaged file") {
    {
      // Overwrite every page after the first (the tables), keeping the header and schema page.
      const auto size = std::filesystem::file_size(h.db_path());
      REQUIRE(size > 8192);
      std::fstream f(h.db_path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(4096);
      const std::string junk(size - 4096, '\x5a');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    const auto r = h.run(args, "damaged");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(h.db_path().string()));
    CHECK((r.err.find("quick_check") != std::string::npos || r.err.find("malformed") != std::string::npos));
  }
}

TEST_CASE("durability: a hand-edited armed condition or open trade that breaks the rules stops start-up, naming it",
          "[integration][durability][input]") {
  // Recovery trusts nothing it would refuse from a user: every ACTIVE
  // condition and OPEN trade passes the validation an armed one does.
  DaemonHarness h("edited-journal");
  h.set("shutdown", "conditions", "\"keep\"");
  h.write_config();
  const auto conditions = h.write("c.json", R"([
      {"id":"c1","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":100,"position_size_usd":50,
       "take_profit_pct":0.5,"valid_until":"2030-01-01T00:00:00Z","created_at":1764158400000},
      {"id":"c2","coin":"ETH","direction":"SHORT","trigger_type":"BELOW","trigger_price":1000,"position_size_usd":50,
       "oco_group":"g","valid_until":"2030-01-01T00:00:00Z","created_at":1764158400000}])");
  const auto ticks = h.write("t.csv", "ts_ms,coin,price\n1764158400000,BTC,100\n1764158401000,ETH,2000\n");
  REQUIRE(h.replay(conditions, ticks).exit_code == 0);
  REQUIRE(h.query("SELECT group_concat(id || ' ' || status, ',') FROM conditions") == "c1 TRIGGERED,c2 ACTIVE");
  REQUIRE(h.query("SELECT status FROM trades") == "OPEN");
  const std::vector<std::string> args = {"--config", (h.dir() / "settings.toml").string(), "--replay", ticks.string()};
  const auto edit_and_start = [&](const std::string& sql) {
    {
      SQLite::Database db(h.db_path().string(), SQLite::OPEN_READWRITE);
      db.exec(sql);
    }
    const std::string before = h.dump();
    auto r = h.run(args, "edited");
    CHECK(h.dump() == before);  // refused untouched
    return r;
  };
  SECTION("a negative trigger") {
    const auto r = edit_and_start("UPDATE conditions SET trigger_price = -5 WHERE id = 'c2'");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("rows that break the rules; refusing to trade on them"));
    CHECK_THAT(r.err, Catch::Contains("table conditions, id 'c2': trigger_price: must be a real price"));
  }
  SECTION("an escape character in an OCO group") {
    const auto r = edit_and_start("UPDATE conditions SET oco_group = char(27) || '[2J' WHERE id = 'c2'");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("table conditions, id 'c2': oco_group: may contain only"));
    CHECK(r.err.find('\x1b') == std::string::npos);
  }
  SECTION("a subnormal entry price and a NaN-free but absurd stop on the open trade") {
    const auto r = edit_and_start("UPDATE trades SET entry_price = 1e-320, stop_loss_price = 1e300");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("table trades, id 'T-c1': entry_price: must be a real price"));
  }
  SECTION("an entry time at the int64 edge") {
    const auto r = edit_and_start("UPDATE trades SET entry_ms = -9223372036854775808");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("table trades, id 'T-c1': entry_ms: must be a time from 1970 to 9999"));
  }
}

TEST_CASE("durability: a real v2 journal is migrated to v3 at start-up, keeping a backup, trading goes on from it",
          "[integration][durability][schema]") {
  // Written by tradingd at commit 2fcc610 (tests/data/make-journal-v2.sh): BTC
  // took profit, ETH stopped out at a loss at 12:00:07, SOL is open (SL 147,
  // TP 152.25), v2-rej was rejected and v2-armed (BTC above 120) is armed.
  DaemonHarness h("v2-journal");
  std::filesystem::copy_file(TRADINGD_SOURCE_DIR "/tests/data/journal-v2.db", h.db_path());
  h.set("risk", "max_exposure_pct", "0.5");
  h.set("risk", "cooldown_after_stop_ms", "600000");
  h.set("shutdown", "conditions", "\"keep\"");
  h.write_config();
  const auto conditions = h.write("c.json", R"([
    {"id":"v3-eth","coin":"ETH","direction":"SHORT","trigger_type":"BELOW","trigger_price":2100,
     "position_size_usd":20,"valid_until":"2030-01-01T00:00:00Z"},
    {"id":"v3-sol","coin":"SOL","direction":"LONG","trigger_type":"ABOVE","trigger_price":153,"stop_loss_pct":0,
     "take_profit_pct":0,"trailing_stop_pct":0.01,"position_size_usd":30,"valid_until":"2030-01-01T00:00:00Z"}])");
  // A minute after the v2 run: ETH within the cooldown of its losing stop; SOL
  // takes the old position's profit, then a trailing LONG opens at 153, its
  // best reaches 156 (trail 154.44) and 154.4 stops it; v2-armed opens at 121
  // and takes profit at 125.
  const auto ticks = h.write("t.csv",
                             "ts_ms,coin,price\n1764158460000,ETH,2030\n1764158461000,SOL,152.5\n"
                             "1764158462000,BTC,121\n1764158463000,BTC,125\n1764158464000,SOL,153\n"
                             "1764158465000,SOL,156\n1764158466000,SOL,154.4\n");
  const auto r = h.replay(conditions, ticks, "migrate");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("migrated from schema version 2 to 4; the old journal is kept as " +
                                    h.db_path().string() + ".bak-v2"));
  CHECK_THAT(r.out, Catch::Contains("balance 999.80 (recovered), 1 open positions, 1 armed conditions"));
  CHECK(h.query("PRAGMA user_version") == "4");
  {
    SQLite::Database backup(h.db_path().string() + ".bak-v2", SQLite::OPEN_READONLY);
    CHECK(backup.execAndGet("PRAGMA user_version").getInt() == 2);
    CHECK(backup.execAndGet("SELECT count(*) FROM trades").getInt() == 3);
    CHECK(backup.execAndGet("SELECT count(*) FROM conditions").getInt() == 5);
  }
  // The old rows, as v3 reads them: filled at the trade price, no new exits.
  CHECK(h.query("SELECT entry_price || ' ' || entry_mark || ' ' || entry_fill || ' ' || exit_price || ' ' || "
                "exit_mark || ' ' || exit_fill || ' ' || ifnull(best_price, 'NULL') || ' ' || stop_loss_price "
                "FROM trades WHERE id = 'T-v2-tp'") == "100.0 100.0 trade 101.6 101.6 trade NULL 98.0");
  CHECK(h.query("SELECT count(*) FROM conditions WHERE id LIKE 'v2-%' AND trailing_stop_pct IS NULL AND "
                "trailing_activation_pct IS NULL AND max_hold_ms IS NULL AND oco_group IS NULL") == "5");
  CHECK(h.query("SELECT status || ' ' || status_reason FROM conditions WHERE id = 'v2-rej'") ==
        "REJECTED max_position_per_coin");
  // The cooldown came from the journal: ETH stopped out at a loss 53 s before.
  CHECK(h.query("SELECT status || ' ' || status_reason FROM conditions WHERE id = 'v3-eth'") == "REJECTED cooldown");
  // The open v2 position closed at its v2 take-profit.
  CHECK(h.query("SELECT exit_reason || ' ' || exit_price || ' ' || exit_fill FROM trades WHERE id = 'T-v2-open'") ==
        "TAKE_PROFIT 152.5 trade");
  const double qty = 20.0 / 150.0;
  CHECK(h.query_double("SELECT pnl_usd FROM trades WHERE id = 'T-v2-open'") ==
        Approx(qty * 2.5 - 20 * 0.001 - qty * 152.5 * 0.001).margin(1e-9));
  CHECK(h.query("SELECT exit_reason || ' ' || exit_price FROM trades WHERE id = 'T-v2-armed'") == "TAKE_PROFIT 125.0");
  CHECK(h.query("SELECT exit_reason || ' ' || exit_price || ' ' || best_price || ' ' || "
                "ifnull(stop_loss_price, 'NULL') || ' ' || ifnull(take_profit_price, 'NULL') || ' ' || "
                "trailing_stop_pct FROM trades WHERE id = 'T-v3-sol'") == "TRAILING_STOP 154.4 156.0 NULL NULL 0.01");
  CHECK(h.invariant_violations(1000.0).empty());
}

namespace {

// A path whose conditions open and close many positions while the fault is on.
void write_busy_path(LiveRun& run) {
  std::string csv = "ts_ms,symbol,price\n";
  std::vector<std::string> conditions;
  for (int i = 0; i < 40; ++i) {
    // Round i: BTC climbs from b to b + 1 (this round's LONG opens; the next
    // round's trigger is b + 21) and on 2 % higher (it takes profit).
    const int b = 100 + 20 * i;
    for (const double p : {double(b), b + 1.0, (b + 1.0) * 1.01, (b + 1.0) * 1.02})
      csv += "0,BTCUSDT," + std::to_string(p) + "\n";
    for (int k = 0; k < 6; ++k) csv += "0,ETHUSDT,2000\n";
    conditions.push_back(condition("round-" + std::to_string(100 + i), "BTC", "LONG", "ABOVE", b + 1.0, 10));
  }
  run.write_path(csv);
  run.write_conditions(conditions);
  run.daemon.set("risk", "max_position_per_coin", "1");
}

// The balance tradingd held in memory at its last shutdown, from the log (to the cent).
double shutdown_balance(const std::string& log) {
  static const std::regex re(R"(Shutdown complete: .* balance ([0-9.]+);)");
  std::optional<double> last;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it)
    last = std::stod((*it)[1]);
  REQUIRE(last);
  return *last;
}

// After a storage fault: every round traded and closed, the journal's balance
// is the one tradingd held in memory, and the journal is consistent.
void check_nothing_lost(const LiveRun& run) {
  CHECK(run.count("SELECT count(*) FROM trades") == 40);
  CHECK(run.closed_trades() == 40);
  CHECK(run.daemon.query_double("SELECT balance FROM balance ORDER BY seq DESC LIMIT 1") ==
        Approx(shutdown_balance(run.log())).epsilon(0).margin(0.005));
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}

}  // namespace

TEST_CASE("durability: the database locked by another process, trading goes on and everything is written after",
          "[integration][durability][storage]") {
  LiveRun run("db-locked", "bybit");
  write_busy_path(run);
  SimProcess sim(run.sim_args({"--plain", "--rate", "60"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess daemon = run.start();
  REQUIRE(wait_until([&] { return run.closed_trades() >= 2; }));
  {
    // Another process takes the write lock for longer than the writer's 5 s busy timeout.
    SQLite::Database other(run.daemon.db_path().string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN EXCLUSIVE");
    run.require_log("database is locked", std::chrono::seconds(15));
    run.require_log("Journal: UNHEALTHY");
    other.exec("ROLLBACK");
  }
  run.require_log("journal: writes succeed again");
  wait_path_sent(sim);
  CHECK(stop(daemon) == 0);
  check_nothing_lost(run);
}

TEST_CASE("durability: a full disk (file-size limit), trading goes on and everything is written once it clears",
          "[integration][durability][storage]") {
  LiveRun run("disk-full", "bybit");
  write_busy_path(run);
  SimProcess sim(run.sim_args({"--plain", "--rate", "60"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  run.daemon.write_config();
  // Files tradingd writes may not grow past 160 KiB (a soft limit, so it can be lifted): the journal's WAL reaches that
  // within a few rounds.
  TestProcess daemon(
      {"/usr/bin/prlimit", "--fsize=163840:unlimited", "--", TRADINGD_BINARY, "--config",
       (run.daemon.dir() / "settings.toml").string(), "--conditions", (run.daemon.dir() / "conditions.json").string()},
      run.daemon.dir(), "tradingd");
  run.require_log("Journal: UNHEALTHY", std::chrono::seconds(30));
  const std::string during = run.log();
  CHECK((during.find("disk") != std::string::npos || during.find("full") != std::string::npos));
  // The disk has room again.
  REQUIRE(TestProcess::run({"/usr/bin/prlimit", "--pid", std::to_string(daemon.pid()), "--fsize=unlimited"},
                           run.daemon.dir(), "lift") == 0);
  run.require_log("journal: writes succeed again", std::chrono::seconds(30));
  wait_path_sent(sim);
  CHECK(stop(daemon) == 0);
  check_nothing_lost(run);
}

TEST_CASE("durability: a read-only journal file, trading goes on and everything is written once it is writable",
          "[integration][durability][storage]") {
  // The daemon runs as an unprivileged user (root ignores file permissions),
  // on a journal it has written before.
  const bool root = ::geteuid() == 0;
  LiveRun run("read-only", "bybit");
  write_busy_path(run);
  run.daemon.set("shutdown", "conditions", "\"keep\"");  // the second run trades the rest
  SimProcess sim(run.sim_args({"--plain", "--rate", "60"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  auto as_daemon_user = [&](std::vector<std::string> argv) {
    if (root) argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
    return argv;
  };
  if (root)
    REQUIRE(TestProcess::run({"/bin/chown", "-R", "65534:65534", run.daemon.dir().string()}, "/", "chown") == 0);
  const auto config = (run.daemon.dir() / "settings.toml").string();
  {
    TestProcess first(as_daemon_user({TRADINGD_BINARY, "--config", config, "--conditions",
                                      (run.daemon.dir() / "conditions.json").string()}),
                      run.daemon.dir(), "first");
    REQUIRE(wait_until([&] { return run.closed_trades() >= 2; }));
    REQUIRE(stop(first) == 0);
  }
  const auto db = run.daemon.db_path();
  std::filesystem::permissions(db, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                       std::filesystem::perms::others_read);
  TestProcess daemon(as_daemon_user({TRADINGD_BINARY, "--config", config}), run.daemon.dir(), "second");
  run.require_log("attempt to write a readonly database");
  run.require_log("Journal: UNHEALTHY");
  std::filesystem::permissions(db, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  run.require_log("journal: writes succeed again");
  wait_path_sent(sim);
  CHECK(stop(daemon) == 0);
  check_nothing_lost(run);
}
