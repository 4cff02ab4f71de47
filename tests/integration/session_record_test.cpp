// Session recording and exact replay (design.md §11): a real daemon trading
// against exchange-sim records every input; `tradingd --replay-session` turns
// the recording into a journal equal to the live one, row for row; a what-if
// with other settings changes the fills and not the conditions; a full queue
// marks a gap and a full disk stops the recording, never trading.

#include <SQLiteCpp/SQLiteCpp.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "api_run.hpp"

using namespace tradingd::test;
using json = nlohmann::json;

namespace {

// The one session folder a run made under `rec`.
std::filesystem::path session_of(const std::filesystem::path& rec) {
  std::vector<std::filesystem::path> found;
  for (const auto& e : std::filesystem::directory_iterator(rec))
    if (e.is_directory()) found.push_back(e.path());
  REQUIRE(found.size() == 1);
  return found.front();
}

// A table of a journal as text, in row order.
std::string rows(const std::filesystem::path& db_path, const std::string& sql) {
  return DaemonHarness::rows(db_path, sql);
}

// design.md §11: conditions, trades and balance row for row; events by kind, reference and detail.
const std::vector<std::string> compared = {"SELECT * FROM conditions ORDER BY rowid",
                                           "SELECT * FROM trades ORDER BY rowid", "SELECT * FROM balance ORDER BY seq",
                                           "SELECT kind, ref_id, detail FROM events ORDER BY seq"};

void require_equal_journals(const std::filesystem::path& live, const std::filesystem::path& replay) {
  for (const auto& sql : compared) {
    INFO(sql);
    CHECK(rows(replay, sql) == rows(live, sql));
  }
}

struct RecordRun : ApiRun {
  explicit RecordRun(const std::string& tag) : ApiRun(tag) {
    daemon.set("paper", "fill_on", "\"quote\"");
    daemon.set("paper", "slippage_bps", "2.0");
    daemon.set("shutdown", "positions", "\"close\"");  // a policy the replay applies again
    daemon.set("record", "dir", "\"rec\"");
    daemon.set("risk", "max_position_per_coin", "3");
  }
  // A LONG on BTC above `trigger` whose exits the 100..103 loop never reaches.
  [[nodiscard]] std::string wide_body(const std::string& id, double trigger) const {
    return R"({"id":")" + id + R"(","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":)" +
           std::to_string(trigger) + R"(,"position_size_usd":20,"stop_loss_pct":0.5,"take_profit_pct":0.5,)" +
           R"("valid_until":)" + std::to_string(tradingd::SystemClock().now_ms() + 3'600'000) + "}";
  }
  [[nodiscard]] std::filesystem::path rec() const { return daemon.dir() / "rec"; }
  DaemonHarness::Result replay_session(const std::filesystem::path& db, const std::string& name,
                                       const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"--replay-session", session_of(rec()).string(), "--db", db.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return daemon.run(args, name);
  }
  json post(const std::string& target, const std::string& body, int expect) const {
    const auto r = http(port, "POST", target, body, {auth});
    INFO(target << " -> " << r.status << " " << r.body);
    CHECK(r.status == expect);
    return r.body.empty() ? json() : json::parse(r.body);
  }
  void wait_trades(int n) const {
    if (!wait_until([&] { return count("SELECT count(*) FROM trades") >= n; }))
      FAIL("fewer than " << n << " trades\n--- tradingd log:\n" << log());
  }
  void wait_closed(int n) const {
    if (!wait_until([&] { return closed_trades() >= n; })) FAIL("fewer than " << n << " closed\n" << log());
  }

  // Everything an operator and a strategist do to a running daemon.
  void operate() const {
    // A condition that fires on the loop's rise, then a manual close (its own
    // exits are out of the loop's reach: only the operator closes it).
    post("/conditions", wide_body("rec-long", 102.5), 201);
    wait_trades(1);
    post("/positions/T-rec-long/close", "", 200);
    wait_closed(1);
    // A refusal the journal records (an unknown coin), and a cancel.
    post("/conditions", condition("rec-bad", "DOGE", "LONG", "ABOVE", 1.0, 20), 400);
    post("/conditions", condition_body("rec-far", 5000), 201);
    CHECK(http(port, "DELETE", "/conditions/rec-far", "", {auth}).status == 200);
    // Halted: nothing fires; resumed: it does; then flatten.
    post("/halt", "", 200);
    post("/conditions", wide_body("rec-halted", 101.5), 201);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    CHECK(count("SELECT count(*) FROM trades WHERE id = 'T-rec-halted'") == 0);
    post("/resume", "", 200);
    wait_trades(2);
    post("/flatten", "", 200);
    wait_closed(2);
    // A short and a time limit: closed by the sweeps (every 100 ms here) or at shutdown.
    const auto now = tradingd::SystemClock().now_ms();
    post("/conditions",
         R"({"id":"rec-scalp","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":100.5,)"
         R"("position_size_usd":15,"stop_loss_pct":0.5,"max_hold_ms":300,"valid_until":)" +
             std::to_string(now + 3'600'000) + "}",
         201);
    post("/conditions", condition("rec-short", "BTC", "SHORT", "BELOW", 100.5, 10), 201);
    wait_trades(4);
    wait_closed(3);
  }
};

}  // namespace

TEST_CASE(
    "record: a live session (quotes / a drop / API arms / cancels / closes / halt / flatten / sweeps) replays "
    "into an equal journal and a what-if changes the fills only",
    "[integration][record]") {
  RecordRun run("record-exact");
  // The sim drops the connection after 150 messages: a reconnect, trading paused and resumed.
  SimProcess sim(run.sim_args({"--plain", "--rate", "80", "--loop", "--close-after", "150"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  run.operate();
  if (!wait_until([&] { return count_of(run.log(), "Connected to bybit") >= 2; })) FAIL("no reconnect\n" << run.log());
  const auto metrics = http(run.port, "GET", "/metrics").body;
  CHECK(metrics.find("tradingd_record_active 1") != std::string::npos);
  CHECK(metrics.find("tradingd_record_lost_inputs_total 0") != std::string::npos);
  CHECK(stop(daemon) == 0);
  CHECK(run.log().find("Recording " + session_of(run.rec()).string()) != std::string::npos);

  const auto session = session_of(run.rec());
  CHECK(std::filesystem::exists(session / "config.toml"));
  CHECK(std::filesystem::exists(session / "base.db"));
  const auto replay_db = run.daemon.dir() / "replay.db";
  const auto r = run.replay_session(replay_db, "replay");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("the session ended with its shutdown") != std::string::npos);
  // Everything the session did is there: the journal is not trivially equal.
  CHECK(run.count("SELECT count(*) FROM trades WHERE exit_reason = 'MANUAL'") >= 2);
  CHECK(run.count("SELECT count(*) FROM events WHERE kind = 'FEED_STATE'") >= 3);
  CHECK(run.count("SELECT count(*) FROM events WHERE kind = 'CONDITION_REFUSED'") == 1);
  CHECK(run.count("SELECT count(*) FROM events WHERE kind IN ('HALT', 'RESUME')") == 2);
  CHECK(run.count("SELECT count(*) FROM conditions WHERE status = 'CANCELLED'") >= 1);
  CHECK(run.count("SELECT count(*) FROM trades WHERE entry_fill = 'ask' OR entry_fill = 'bid'") >= 3);
  require_equal_journals(run.daemon.db_path(), replay_db);
  // The replay's db is new: it refuses to overwrite.
  const auto again = run.replay_session(replay_db, "replay-again");
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("already exists") != std::string::npos);

  // What-if: ten times the slippage gives other fills and the same armed conditions.
  run.daemon.set("paper", "slippage_bps", "20.0");
  const auto other = run.daemon.write_config("other.toml");
  const auto whatif_db = run.daemon.dir() / "whatif.db";
  const auto w = run.replay_session(whatif_db, "whatif", {"--config", other.string()});
  INFO(w.out << w.err);
  REQUIRE(w.exit_code == 0);
  CHECK(w.out.find("1 trading setting differs") != std::string::npos);
  CHECK(w.out.find("[paper] slippage_bps = 2.0 -> 20.0") != std::string::npos);
  CHECK(rows(whatif_db,
             "SELECT id, coin, direction, trigger_type, trigger_price, position_size_usd, created_at_ms "
             "FROM conditions ORDER BY rowid") ==
        rows(run.daemon.db_path(),
             "SELECT id, coin, direction, trigger_type, trigger_price, position_size_usd, "
             "created_at_ms FROM conditions ORDER BY rowid"));
  CHECK(rows(whatif_db, "SELECT entry_price FROM trades ORDER BY rowid") !=
        rows(run.daemon.db_path(), "SELECT entry_price FROM trades ORDER BY rowid"));
  // Against the trader: a long pays more, so the what-if's balance is lower.
  CHECK(std::stod(rows(whatif_db, "SELECT balance FROM balance ORDER BY seq DESC LIMIT 1")) <
        std::stod(rows(run.daemon.db_path(), "SELECT balance FROM balance ORDER BY seq DESC LIMIT 1")));
}

TEST_CASE("record: a session ended by kill -9 replays up to its last input with no shutdown actions",
          "[integration][record]") {
  RecordRun run("record-kill");
  SimProcess sim(run.sim_args({"--plain", "--rate", "80", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  run.post("/conditions", run.wide_body("kill-long", 102.5), 201);
  run.post("/conditions", run.condition_body("kill-armed", 5000), 201);
  run.wait_trades(1);
  // Quiet for a moment (the journal commits within ms, the recorder ends a
  // member within 50 ms, a best price is persisted within a second), then
  // killed: both hold the same last moments.
  run.post("/halt", "", 200);
  sim.process().signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  daemon.signal(SIGKILL);
  CHECK(daemon.wait(std::chrono::seconds(10)).value_or(-1) == 128 + SIGKILL);
  sim.process().signal(SIGCONT);

  const auto replay_db = run.daemon.dir() / "replay.db";
  const auto r = run.replay_session(replay_db, "replay");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("the session was killed: no shutdown") != std::string::npos);
  CHECK(rows(replay_db, "SELECT count(*) FROM events WHERE kind = 'SHUTDOWN'") == "0|\n");
  CHECK(rows(replay_db, "SELECT status FROM trades WHERE id = 'T-kill-long'") == "OPEN|\n");
  CHECK(rows(replay_db, "SELECT status FROM conditions WHERE id = 'kill-armed'") == "ACTIVE|\n");
  require_equal_journals(run.daemon.db_path(), replay_db);
}

TEST_CASE("record: a full queue marks a gap that /metrics counts and the replay says it cannot be exact",
          "[integration][record]") {
  RecordRun run("record-gap");
  // As fast as the daemon reads, into a queue of 2 inputs: the recorder cannot keep up.
  SimProcess sim(run.sim_args({"--plain", "--rate", "0", "--loop", "--trades-per-frame", "50"}), run.daemon.dir(),
                 "sim");
  run.point_at(sim);
  run.daemon.write_config();
  run.process.emplace(
      std::vector<std::string>{"/usr/bin/env", std::string("TRADINGD_API_TOKEN=") + token, "TRADINGD_RECORD_QUEUE=2",
                               TRADINGD_BINARY, "--config", (run.daemon.dir() / "settings.toml").string()},
      run.daemon.dir(), "tradingd");
  run.require_log("Control API on http://127.0.0.1:");
  const std::string log = run.log();
  const auto at = log.find("Control API on http://127.0.0.1:");
  run.port = static_cast<unsigned short>(std::stoi(log.substr(at + 32)));
  REQUIRE(wait_until([&] {
    const auto m = http(run.port, "GET", "/metrics").body;
    return m.find("tradingd_record_gaps_total") != std::string::npos &&
           m.find("tradingd_record_gaps_total 0\n") == std::string::npos;
  }));
  CHECK(stop(*run.process) == 0);
  const auto r = run.replay_session(run.daemon.dir() / "replay.db", "replay");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Not exact: the recording lost") != std::string::npos);
  CHECK(r.out.find("this replay cannot be exact") != std::string::npos);
}

TEST_CASE("record: a disk that fills stops the recording but not trading and /health says so",
          "[integration][record]") {
  RecordRun run("record-full");
  SimProcess sim(run.sim_args({"--plain", "--rate", "0", "--loop", "--trades-per-frame", "50"}), run.daemon.dir(),
                 "sim");
  run.point_at(sim);
  run.daemon.write_config();
  // No file may grow past 256 KiB: the recording's chunk reaches that first
  // (the journal of a few trades stays far below it).
  run.process.emplace(std::vector<std::string>{"/usr/bin/prlimit", "--fsize=262144:unlimited", "--", "/usr/bin/env",
                                               std::string("TRADINGD_API_TOKEN=") + token, TRADINGD_BINARY, "--config",
                                               (run.daemon.dir() / "settings.toml").string()},
                      run.daemon.dir(), "tradingd");
  run.require_log("Recording stopped: writing ", std::chrono::seconds(60));
  const std::string log = run.log();
  CHECK(log.find("File too large") != std::string::npos);
  const auto at = log.find("Control API on http://127.0.0.1:");
  REQUIRE(at != std::string::npos);
  run.port = static_cast<unsigned short>(std::stoi(log.substr(at + 32)));
  const auto health = http(run.port, "GET", "/health");
  CHECK(health.status == 503);
  CHECK(health.body.find("recording stopped") != std::string::npos);
  CHECK(http(run.port, "GET", "/metrics").body.find("tradingd_record_active 0") != std::string::npos);
  // Trading goes on: a condition armed now fires.
  run.post("/conditions", run.condition_body("full-long", 102.5), 201);
  run.wait_trades(1);
  CHECK(stop(*run.process) == 0);
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}
