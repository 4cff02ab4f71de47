// Load on the control API while ticks flow: its own test binary, run alone
// (RUN_SERIAL), because it measures latency figures and must not share the
// two cores with other tests.

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "api_run.hpp"
#include "events_client.hpp"

using namespace tradingd::test;
using json = nlohmann::json;

namespace {

// Bucket upper bounds and cumulative counts of the driving feed's histogram.
std::vector<std::pair<double, double>> latency_buckets(const std::string& metrics) {
  std::vector<std::pair<double, double>> out;
  static const std::regex re(
      R"re(tradingd_tick_to_decision_seconds_bucket\{exchange="bybit",le="([^"]+)"\} ([0-9.e+-]+))re");
  for (auto it = std::sregex_iterator(metrics.begin(), metrics.end(), re); it != std::sregex_iterator(); ++it) {
    const std::string le = (*it)[1];
    out.emplace_back(le == "+Inf" ? 1e9 : std::stod(le), std::stod((*it)[2]));
  }
  return out;
}

// p99 of the frames between two scrapes, as the upper bound of its bucket.
double p99_between(const std::vector<std::pair<double, double>>& before,
                   const std::vector<std::pair<double, double>>& after) {
  REQUIRE(before.size() == after.size());
  REQUIRE(!after.empty());
  const double total = after.back().second - before.back().second;
  REQUIRE(total > 50);
  for (std::size_t i = 0; i < after.size(); ++i)
    if (after[i].second - before[i].second >= 0.99 * total) return after[i].first;
  return 1e9;
}

}  // namespace

TEST_CASE(
    "api: 200 concurrent requests while ticks flow: every client served, trades match, frames never wait on the API",
    "[integration][api][load]") {
  ApiRun run("api-load");
  run.daemon.set("risk", "max_positions", "30");
  run.daemon.set("risk", "max_position_per_coin", "30");
  run.daemon.set("risk", "max_exposure_pct", "1.0");
  SimProcess sim(run.sim_args({"--plain", "--rate", "2000", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  // Conditions armed through the load, all firing while it runs.
  std::vector<std::string> armed;
  for (int i = 0; i < 30; ++i) armed.push_back(run.condition_body("load-" + std::to_string(i), 101.5 + 0.01 * i));

  const auto idle_0 = latency_buckets(http(run.port, "GET", "/metrics").body);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto idle_1 = latency_buckets(http(run.port, "GET", "/metrics").body);
  const double idle_p99 = p99_between(idle_0, idle_1);

  // 200 clients at once, each asking every 50 ms for as long as the idle window lasted.
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  for (int c = 0; c < 200; ++c)
    clients.emplace_back([&, c] {
      // The load generator shares the machine with the daemon under test: at
      // the lowest priority it cannot preempt tradingd's io thread, so the
      // figure is what the API's work costs the frame path, not how much CPU
      // this test's own 200 threads take from it (real clients run elsewhere).
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
      for (int k = 0; std::chrono::steady_clock::now() < until; ++k) {
        const auto r = c < 30 && k == 0
                           ? http(run.port, "POST", "/conditions", armed[static_cast<std::size_t>(c)], {auth})
                           : http(run.port, "GET", k % 2 ? "/status" : "/positions");
        (r.status == 200 || r.status == 201 ? ok : failed)++;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  for (auto& t : clients) t.join();
  const auto load_1 = latency_buckets(http(run.port, "GET", "/metrics").body);
  const double load_p99 = p99_between(idle_1, load_1);
  INFO("idle p99 <= " << idle_p99 << " s, under load p99 <= " << load_p99 << " s");
  CHECK(failed == 0);
  CHECK(ok >= 200);  // every client was served (how many more depends on the build: ASan is slow)
  // Trading never waits for a client: the API's work runs between frames on
  // the io thread and never blocks it, so under load a frame's p99 stays far
  // below a millisecond. How much the load costs (cache and core contention:
  // about 4x idle at p99 on a 2-core machine) is a figure, printed here, not a
  // bound a test can hold without flaking.
  CHECK(load_p99 <= 1.024e-3);
  std::printf("tick-to-decision p99: idle <= %.0f ns, with 200 concurrent clients (%d requests) <= %.0f ns (%.0fx)\n",
              idle_p99 * 1e9, ok.load(), load_p99 * 1e9, load_p99 / idle_p99);

  // What the API reports is what the journal holds, once prices stop moving.
  REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM trades") == 30; }));
  sim.process().signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the last decisions commit
  const auto positions = json::parse(http(run.port, "GET", "/positions").body);
  CHECK(static_cast<int>(positions.size()) == run.count("SELECT count(*) FROM trades WHERE status = 'OPEN'"));
  const auto trades = json::parse(http(run.port, "GET", "/trades?hours=1").body);
  CHECK(trades.size() == 30);
  for (const auto& t : trades) {
    INFO(t.dump());
    const std::string where = " FROM trades WHERE id = '" + t["id"].get<std::string>() + "'";
    CHECK(run.daemon.query("SELECT status" + where) == t["status"].get<std::string>());
    CHECK(run.daemon.query_double("SELECT entry_price" + where) == t["entry_price"].get<double>());
  }
  sim.process().signal(SIGCONT);
  CHECK(stop(daemon) == 0);
  CHECK(run.daemon.query("SELECT count(*) FROM conditions WHERE status = 'TRIGGERED'") == "30");
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}

TEST_CASE(
    "events: a subscriber that never reads is cut off, and tick-to-decision p99 stays within 2x of the same "
    "load without it",
    "[integration][api][events][load]") {
  ApiRun run("events-load");
  SimProcess sim(run.sim_args({"--plain", "--rate", "2000", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  // The load that makes events: 30,000 conditions armed (far from the price),
  // 200 a request. Measured once without the stuck subscriber and once with
  // it, so the figure is what the subscriber costs the frame path.
  const auto arm = [&](const std::string& tag) {
    for (int batch = 0; batch < 150; ++batch) {
      std::string body = "[";
      for (int i = 0; i < 200; ++i)
        body += (i ? "," : "") + run.condition_body(tag + std::to_string(batch * 200 + i), 1e6);
      REQUIRE(http(run.port, "POST", "/conditions", body + "]", {auth}).status == 201);
    }
  };
  const auto idle_0 = latency_buckets(http(run.port, "GET", "/metrics").body);
  arm("plain-");
  const auto idle_1 = latency_buckets(http(run.port, "GET", "/metrics").body);
  const double idle_p99 = p99_between(idle_0, idle_1);

  // Never reads, with a small receive buffer: every event piles up for it.
  EventsClient stuck(run.port, "/events", {4096, true, {}});
  arm("stuck-");
  run.require_log("cut off:");
  const auto load_1 = latency_buckets(http(run.port, "GET", "/metrics").body);
  const double stuck_p99 = p99_between(idle_1, load_1);
  INFO("p99 without a subscriber <= " << idle_p99 << " s, with the stuck one <= " << stuck_p99 << " s");
  CHECK(stuck_p99 <= 2 * idle_p99);
  std::printf(
      "tick-to-decision p99 while arming 30,000 conditions: <= %.0f ns alone, <= %.0f ns with a subscriber "
      "that never reads (cut off)\n",
      idle_p99 * 1e9, stuck_p99 * 1e9);
  const auto metrics = http(run.port, "GET", "/metrics").body;
  CHECK(metrics.find("tradingd_events_cut_off_total 1") != std::string::npos);
  CHECK(metrics.find("tradingd_events_subscribers 0") != std::string::npos);
  CHECK(stop(daemon) == 0);
}
