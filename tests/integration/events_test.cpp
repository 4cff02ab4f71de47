// GET /events against a real daemon trading on exchange-sim: what a strategist
// relies on. Every committed event arrives once, in seq order, after its rows
// are readable; a reconnect, a SIGKILL and restart, and a cut-off for being
// slow all resume with ?since= and miss nothing.

#include <algorithm>
#include <csignal>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "api_run.hpp"
#include "events_client.hpp"
#include "tradingd/domain/time_format.hpp"

using namespace tradingd::test;
using json = nlohmann::json;

namespace {

std::string with_strategy(std::string body, const std::string& strategy) {
  const auto at = body.find(R"("strategy_id":"s1")");
  REQUIRE(at != std::string::npos);
  return body.replace(at, 18, R"("strategy_id":")" + strategy + "\"");
}

// What the journal must already hold for an event the daemon pushed: "" when
// it does, else what is missing. Thread-safe (its own connection), so it can
// run on an EventsClient's reading thread the moment a message arrives.
std::string uncommitted(const ApiRun& run, const json& m) {
  const std::string seq = std::to_string(m["seq"].get<std::int64_t>());
  const std::string ref = m["ref_id"];
  const std::string kind = m["kind"];
  const auto expect = [&](const std::string& sql, const std::string& want) {
    const std::string got = run.daemon.query(sql);
    return got == want ? std::string() : m.dump() + ": " + sql + " gave '" + got + "', not '" + want + "'\n";
  };
  std::string problems =
      expect("SELECT kind || '|' || COALESCE(ref_id, '') || '|' || ts_ms FROM events WHERE seq = " + seq,
             kind + "|" + ref + "|" + std::to_string(m["ts_ms"].get<std::int64_t>()));
  if (m["time"] != tradingd::TimeFormat::to_iso8601(m["ts_ms"].get<std::int64_t>()) || !m["detail"].is_object())
    problems += m.dump() + ": time or detail malformed\n";
  const std::string strategy = m["strategy_id"];
  if (kind == "POSITION_OPENED")
    problems += expect("SELECT strategy_id FROM trades WHERE id = '" + ref + "'", strategy);
  if (kind == "POSITION_CLOSED") problems += expect("SELECT status FROM trades WHERE id = '" + ref + "'", "CLOSED");
  if (kind == "CONDITION_ARMED")
    problems += expect("SELECT strategy_id FROM conditions WHERE id = '" + ref + "'", strategy);
  if (kind == "CONDITION_CANCELLED")
    problems += expect("SELECT status FROM conditions WHERE id = '" + ref + "'", "CANCELLED");
  return problems;
}

void require_committed(const ApiRun& run, const json& m) {
  CHECK(uncommitted(run, m) == "");
}

// Checks each message on arrival; what was missing, for the test thread to report.
struct ArrivalCheck {
  explicit ArrivalCheck(const ApiRun& r) : run(r) {}
  std::function<void(const json&)> hook() {
    return [this](const json& m) {
      const std::string p = uncommitted(run, m);
      std::lock_guard lock(mutex);
      problems += p;
      ++checked;
    };
  }
  std::string report() {
    std::lock_guard lock(mutex);
    return problems;
  }
  int count() {
    std::lock_guard lock(mutex);
    return checked;
  }
  const ApiRun& run;
  std::mutex mutex;
  std::string problems;
  int checked = 0;
};

// Every seq from `from` on, one after the other.
void require_consecutive(const std::vector<json>& ms, std::int64_t from) {
  for (std::size_t i = 0; i < ms.size(); ++i) {
    INFO("message " << i << ": " << ms[i].dump());
    REQUIRE(ms[i]["seq"].get<std::int64_t>() == from + static_cast<std::int64_t>(i));
  }
}

auto is(const std::string& kind, const std::string& ref = "") {
  return [kind, ref](const json& m) { return m["kind"] == kind && (ref.empty() || m["ref_id"] == ref); };
}

}  // namespace

TEST_CASE(
    "events: pushed in seq order once readable in the journal, 50 subscribers see one sequence, a client that "
    "reconnects with since gets exactly what it missed",
    "[integration][api][events]") {
  ApiRun run("events-flow");
  SimProcess sim(run.sim_args({"--plain", "--rate", "100", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);

  // Refused before any upgrade, naming what is wrong.
  CHECK(http(run.port, "GET", "/events").status == 426);
  CHECK(http(run.port, "GET", "/events?since=abc").status == 400);
  // A bare key is refused like an empty one; a key given twice is refused, not read once.
  CHECK(http(run.port, "GET", "/events?since").status == 400);
  CHECK(http(run.port, "GET", "/events?since=").status == 400);
  CHECK(http(run.port, "GET", "/events?since=0&since=1").status == 400);
  CHECK(http(run.port, "GET", "/events?kinds=HALT&kinds=RESUME").status == 400);
  CHECK(http(run.port, "GET", "/events/").status == 404);
  const auto ahead = http(run.port, "GET", "/events?since=999999");
  CHECK(ahead.status == 400);
  CHECK(ahead.body.find("past the journal's last event") != std::string::npos);
  const auto unknown = http(run.port, "GET", "/events?kinds=POSITION_OPENED,FILLED");
  CHECK(unknown.status == 400);
  CHECK(unknown.body.find("unknown event kind 'FILLED'") != std::string::npos);
  CHECK(http(run.port, "POST", "/events", "", {auth}).status == 405);

  // Subscribed from the start of the journal: each replays, then goes live.
  // Each message to `first` is checked against the journal as it arrives.
  ArrivalCheck arrival(run);
  EventsClient first(run.port, "/events?since=0", {0, false, arrival.hook()});
  EventsClient filtered(run.port, "/events?since=0&kinds=POSITION_OPENED,POSITION_CLOSED,HALT&strategy=s1");
  auto leaver = std::make_unique<EventsClient>(run.port, "/events?since=0");

  // ev-a fires at 103 and stops out at 100; ev-c is cancelled.
  CHECK(http(run.port, "POST", "/conditions",
             "[" + run.condition_body("ev-a", 102.5) + "," + run.condition_body("ev-c", 1000) + "]", {auth})
            .status == 201);
  // The filtered client's first event: ev-a's fill.
  const auto fill = filtered.next();
  REQUIRE(fill);
  CHECK((*fill)["ref_id"] == "T-ev-a");
  // 50 more, from the start of the journal: they replay while events go on, then go live.
  std::vector<std::unique_ptr<EventsClient>> crowd;
  for (int i = 0; i < 50; ++i) crowd.push_back(std::make_unique<EventsClient>(run.port, "/events?since=0"));
  const auto before_leaving = leaver->until(is("CONDITION_ARMED", "ev-c"));
  REQUIRE(before_leaving);
  const std::int64_t left_at = before_leaving->back()["seq"];
  leaver.reset();  // gone without a close handshake; trading goes on

  CHECK(http(run.port, "DELETE", "/conditions/ev-c", "", {auth}).status == 200);
  // ev-b (another strategy) shorts at 100 and stops out at 102.
  CHECK(http(run.port, "POST", "/conditions",
             with_strategy(condition("ev-b", "BTC", "SHORT", "BELOW", 100.5, 20), "s2"), {auth})
            .status == 201);
  REQUIRE(wait_until([&] { return run.closed_trades() == 2; }));
  CHECK(http(run.port, "POST", "/halt", "", {auth}).status == 200);
  CHECK(http(run.port, "POST", "/resume", "", {auth}).status == 200);

  // The first subscriber: every event from seq 1, each already in the journal.
  const auto until_resume = first.until(is("RESUME"));
  REQUIRE(until_resume);
  const std::vector<json>& all = *until_resume;
  CHECK(arrival.report() == "");
  CHECK(arrival.count() >= static_cast<int>(all.size()));
  require_consecutive(all, 1);
  CHECK(all.size() == static_cast<std::size_t>(run.count("SELECT count(*) FROM events")));
  std::multiset<std::string> kinds;
  for (const auto& m : all) kinds.insert(m["kind"].get<std::string>());
  for (const char* k : {"BALANCE_SET", "STARTUP", "FEED_STATE", "CONDITION_ARMED", "CONDITION_CANCELLED",
                        "POSITION_OPENED", "POSITION_CLOSED", "HALT", "RESUME"})
    CHECK(kinds.count(k) >= 1);
  for (const auto& m : all)
    if (m["kind"] == "POSITION_CLOSED") CHECK(m["strategy_id"] == (m["ref_id"] == "T-ev-a" ? "s1" : "s2"));

  // 50 more, replaying while the others went live: the very same sequence.
  for (auto& c : crowd) {
    const auto got = c->until(is("RESUME"));
    REQUIRE(got);
    CHECK(*got == all);
  }

  // Filtered: its kinds, of strategy s1 or of none.
  std::vector<json> expected;
  for (const auto& m : all)
    if ((m["kind"] == "POSITION_OPENED" || m["kind"] == "POSITION_CLOSED" || m["kind"] == "HALT") &&
        (m["strategy_id"] == "s1" || m["strategy_id"] == ""))
      expected.push_back(m);
  REQUIRE(expected.size() == 3);
  auto got = filtered.until(is("HALT"));
  REQUIRE(got);
  got->insert(got->begin(), *fill);
  CHECK(*got == expected);

  // The leaver comes back with its last seq: exactly what it missed.
  EventsClient back(run.port, "/events?since=" + std::to_string(left_at));
  const auto missed = back.until(is("RESUME"));
  REQUIRE(missed);
  CHECK(*missed == std::vector<json>(all.begin() + left_at, all.end()));
  CHECK(run.log().find("Events: subscriber #") != std::string::npos);

  CHECK(stop(daemon) == 0);
  // Shutting down closes every subscriber with "going away".
  REQUIRE(wait_until([&] { return first.ended(); }));
  CHECK(first.close_code() == 1001);
}

TEST_CASE(
    "events: after a SIGKILL and a restart, a client resuming from its last seq gets every committed event "
    "once",
    "[integration][api][events]") {
  ApiRun run("events-kill");
  run.daemon.set("risk", "max_positions", "3");
  SimProcess sim(run.sim_args({"--plain", "--rate", "200", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);

  EventsClient client(run.port, "/events?since=0");
  std::vector<json> received;
  // Conditions firing, closing and refused for max_positions while the daemon is killed.
  for (int burst = 0; burst < 4; ++burst) {
    std::string body = "[";
    for (int i = 0; i < 40; ++i)
      body += (i ? "," : "") +
              run.condition_body("k" + std::to_string(burst) + "-" + std::to_string(i), 100.5 + 0.05 * (i % 50));
    CHECK(http(run.port, "POST", "/conditions", body + "]", {auth}).status == 201);
  }
  while (received.size() < 60) {
    auto m = client.next();
    REQUIRE(m);
    received.push_back(*m);
  }
  daemon.signal(SIGKILL);
  CHECK(daemon.wait(std::chrono::seconds(10)) == 128 + SIGKILL);
  while (auto m = client.next(std::chrono::seconds(2))) received.push_back(*m);
  REQUIRE(client.ended());
  CHECK(client.close_code() == 0);  // no close frame: the process died
  require_consecutive(received, 1);
  const std::int64_t last = received.back()["seq"];
  // Whatever was pushed was committed: it is all in the journal after the kill.
  for (const auto& m : received) require_committed(run, m);

  run.start_with(true);
  EventsClient resumed(run.port, "/events?since=" + std::to_string(last));
  CHECK(http(run.port, "POST", "/conditions", run.condition_body("after-restart", 1000), {auth}).status == 201);
  const auto rest = resumed.until(is("CONDITION_ARMED", "after-restart"));
  REQUIRE(rest);
  require_consecutive(*rest, last + 1);
  for (const auto& m : *rest) require_committed(run, m);
  std::set<std::string> kinds;
  for (const auto& m : *rest) kinds.insert(m["kind"].get<std::string>());
  CHECK(kinds.count("STARTUP") == 1);
  // Every event of the journal up to the marker, none twice, none missing.
  const std::int64_t marker = rest->back()["seq"];
  CHECK(run.count("SELECT count(*) FROM events WHERE seq <= " + std::to_string(marker)) == marker);
  CHECK(received.size() + rest->size() == static_cast<std::size_t>(marker));
  CHECK(stop(*run.process) == 0);
}

TEST_CASE("events: a subscriber that stops reading is cut off with close code 4000 and resumes with since",
          "[integration][api][events]") {
  ApiRun run("events-slow");
  SimProcess sim(run.sim_args({"--plain", "--rate", "40", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);

  // A small receive window, and nothing read: the daemon's queue for it fills.
  EventsClient slow(run.port, "/events", {4096, true, {}});
  const int n = 30000;
  for (int batch = 0; batch < n / 200; ++batch) {
    std::string body = "[";
    for (int i = 0; i < 200; ++i)
      body += (i ? "," : "") + run.condition_body("far-" + std::to_string(batch * 200 + i), 1e6);
    REQUIRE(http(run.port, "POST", "/conditions", body + "]", {auth}).status == 201);
  }
  run.require_log("cut off:");
  CHECK(run.log().find("it resumes with ?since=") != std::string::npos);
  CHECK(json::parse(http(run.port, "GET", "/health").body)["healthy"] == true);  // trading went on

  // Reading again: what had reached it, then the close frame saying how to resume.
  slow.resume();
  std::vector<json> got;
  while (auto m = slow.next(std::chrono::seconds(5))) got.push_back(*m);
  REQUIRE(slow.ended());
  CHECK(slow.close_code() == 4000);
  CHECK(slow.close_reason().find("?since=") != std::string::npos);
  WARN("the slow client had " << got.size() << " events");
  REQUIRE(!got.empty());
  CHECK(got.size() < static_cast<std::size_t>(n));
  const std::int64_t first_seq = got.front()["seq"];
  require_consecutive(got, first_seq);

  EventsClient resumed(run.port, "/events?since=" + std::to_string(got.back()["seq"].get<std::int64_t>()));
  const auto rest = resumed.until(is("CONDITION_ARMED", "far-" + std::to_string(n - 1)));
  REQUIRE(rest);
  require_consecutive(*rest, got.back()["seq"].get<std::int64_t>() + 1);
  CHECK(got.size() + rest->size() == static_cast<std::size_t>(n));
  CHECK(stop(daemon) == 0);
}

TEST_CASE("events: connection churn does not flood the log: connected/left lines are rate-limited and counted",
          "[integration][api][events][input]") {
  ApiRun run("events-churn");
  SimProcess sim(run.sim_args({"--plain", "--rate", "20", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  constexpr int connections = 150;
  for (int i = 0; i < connections; ++i) EventsClient churn(run.port, "/events?since=0");
  // Every connection counted; lines past 10 a second held back and counted too.
  double accepted = 0, held_back = 0;
  REQUIRE(wait_until([&] {
    const std::string m = http(run.port, "GET", "/metrics").body;
    std::smatch a, h;
    if (!std::regex_search(m, a, std::regex(R"(\ntradingd_events_connections_total ([0-9.e+]+))")) ||
        !std::regex_search(m, h, std::regex(R"(\ntradingd_events_log_lines_suppressed_total ([0-9.e+]+))")))
      return false;
    accepted = std::stod(a[1]);
    held_back = std::stod(h[1]);
    return accepted >= connections;
  }));
  CHECK(held_back > 0);
  {
    // A second later the next line is written, saying how many were held back.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EventsClient later(run.port, "/events?since=0");
    run.require_log("connection lines held back before this one: connection churn");
  }
  const std::string m = http(run.port, "GET", "/metrics").body;
  std::smatch h;
  REQUIRE(std::regex_search(m, h, std::regex(R"(\ntradingd_events_log_lines_suppressed_total ([0-9.e+]+))")));
  held_back = std::stod(h[1]);
  CHECK(stop(daemon) == 0);
  const std::string log = run.log();
  const auto lines = count_of(log, "Events: subscriber #");
  INFO(lines << " lines for " << 2 * (connections + 1) << " connects and leaves; " << held_back << " held back");
  // Each line written or held back, never both, and far fewer written than the churn.
  CHECK(static_cast<double>(lines) + held_back == 2.0 * (connections + 1));
  CHECK(lines < static_cast<std::size_t>(connections));
  CHECK_THAT(log, Catch::Contains("connection lines held back before this one: connection churn"));
}
