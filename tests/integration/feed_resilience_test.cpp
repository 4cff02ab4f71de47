// Feed resilience over real connections: exchange-sim plays each fault and the
// test reads what a user would, the journal rows, the log and the health line.
// Intervals are configured small so the waiting stays short.

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "live_run.hpp"

using namespace tradingd::test;

namespace {

constexpr const char* standard_path =
    "ts_ms,symbol,price\n"
    "0,BTCUSDT,100\n0,ETHUSDT,2000\n0,BTCUSDT,100.5\n0,BTCUSDT,101\n0,BTCUSDT,102\n0,ETHUSDT,2001\n"
    "0,BTCUSDT,103\n0,BTCUSDT,100\n0,ETHUSDT,1999.5\n0,BTCUSDT,98.9\n0,BTCUSDT,99.5\n0,BTCUSDT,101.5\n"
    "0,ETHUSDT,2000\n0,BTCUSDT,101\n";

// The standard path and its two conditions: LONG takes profit at 103, SHORT stops out at 101.5.
void use_standard_path(const LiveRun& run) {
  run.write_path(standard_path);
  run.write_conditions(
      {condition("long-1", "BTC", "LONG", "ABOVE", 101, 50), condition("short-1", "BTC", "SHORT", "BELOW", 99, 30)});
}

// "<id>:<reason>@<exit>" for every trade, in id order.
std::string trade_summary(const LiveRun& run) {
  return run.daemon.query(
      "SELECT group_concat(s, ' ') FROM (SELECT id || ':' || ifnull(exit_reason, 'OPEN') || '@' || "
      "ifnull(exit_price, entry_price) AS s FROM trades ORDER BY id)");
}

std::vector<double> numbers_after(const std::string& text, const std::string& prefix) {
  std::vector<double> out;
  const std::regex re(prefix + R"(([0-9]+(\.[0-9]+)?) s)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back(std::stod((*it)[1]));
  return out;
}

// The sim's whole path through tradingd, then SIGTERM (a clean exit
// checked): the log.
std::string run_whole_path(LiveRun& run, const std::vector<std::string>& sim_args) {
  SimProcess sim(run.sim_args(sim_args), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess daemon = run.start();
  wait_path_sent(sim);
  CHECK(stop(daemon) == 0);
  return run.log();
}

// The same with a rotation every second: the log, once it is checked that
// the feed rotated at least twice and never disconnected.
std::string run_rotating(LiveRun& run, const std::vector<std::string>& sim_args) {
  run.daemon.set("feed", "rotate_after_ms", "1000");
  const std::string log = run_whole_path(run, sim_args);
  INFO(log);
  CHECK(count_of(log, "bybit: rotating the connection (connection age ") >= 2);
  CHECK(log.find("Disconnected") == std::string::npos);
  return log;
}

}  // namespace

TEST_CASE("resilience: a silent link goes STALE, pauses trading and is recycled within the bound",
          "[integration][resilience]") {
  LiveRun run("silent", "bybit");
  use_standard_path(run);
  run.daemon.set("health", "stale_after_ms", "300");
  run.daemon.set("feed", "reconnect_after_stale_ms", "1000");
  // Every connection goes silent (socket open) after 4 messages; the path waits for a client that listens.
  SimProcess sim(run.sim_args({"--silent-after", "4"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  CHECK(run.trade_through(sim) == 0);
  // The same trades as on a clean link: nothing traded on stale data.
  CHECK(trade_summary(run) == "T-long-1:TAKE_PROFIT@103.0 T-short-1:STOP_LOSS@101.5");
  const std::string log = run.log();
  CHECK(log.find(": STALE, trading paused until the next one") != std::string::npos);
  CHECK(log.find("Feed: STALE") != std::string::npos);
  const auto recycled = numbers_after(log, "Disconnected from bybit: no trade for ");
  REQUIRE(recycled.size() >= 2);
  for (double s : recycled) {
    CHECK(s >= 1.0);  // reconnect_after_stale_ms
    CHECK(s <= 1.5);  // ... plus one watchdog period and scheduling slack
  }
  CHECK(count_of(log, "; trading resumes after ") >= 2);
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}

TEST_CASE("resilience: Bybit, no data and no pong after a ping means dead", "[integration][resilience]") {
  LiveRun run("no-pong", "bybit");
  use_standard_path(run);
  run.daemon.set("feed", "ping_interval_ms", "200");
  run.daemon.set("feed", "pong_timeout_ms", "500");
  run.daemon.set("health", "stale_after_ms", "10000");  // so the dead-link rule is what acts
  run.daemon.set("feed", "reconnect_after_stale_ms", "60000");
  SECTION("silent and no pong: dead, reconnected, the path finishes") {
    SimProcess sim(run.sim_args({"--silent-after", "5", "--no-pong"}), run.daemon.dir(), "sim");
    run.point_at(sim);
    CHECK(run.trade_through(sim) == 0);
    CHECK(trade_summary(run) == "T-long-1:TAKE_PROFIT@103.0 T-short-1:STOP_LOSS@101.5");
    CHECK(count_of(run.log(), "Disconnected from bybit: no data and no pong within 0.5 s of a ping") >= 2);
  }
  SECTION("data flowing without pongs is alive") {
    SimProcess sim(run.sim_args({"--no-pong", "--loop"}), run.daemon.dir(), "sim");
    run.point_at(sim);
    TestProcess daemon = run.start();
    run.require_trades_closed(sim);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // pings go unanswered meanwhile
    CHECK(stop(daemon) == 0);
    CHECK(run.log().find("Disconnected") == std::string::npos);
  }
}

TEST_CASE("resilience: refused connections back off with jitter under the cap", "[integration][resilience]") {
  LiveRun run("refused", "bybit");
  use_standard_path(run);
  run.daemon.set("feed", "backoff_initial_ms", "100");
  run.daemon.set("feed", "backoff_max_ms", "400");
  SimProcess sim(run.sim_args({"--refuse-for-ms", "3000"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  CHECK(run.trade_through(sim) == 0);
  CHECK(trade_summary(run) == "T-long-1:TAKE_PROFIT@103.0 T-short-1:STOP_LOSS@101.5");
  const std::string log = run.log();
  const auto delays = numbers_after(log, "Disconnected from bybit: connect: Connection refused; retrying in ");
  INFO(log);
  REQUIRE(delays.size() >= 5);
  CHECK(delays[0] <= 0.1);  // the first ceiling is backoff_initial_ms
  CHECK(delays[1] <= 0.2);
  double ceiling = 0.1;
  for (double d : delays) {
    CHECK(d <= ceiling + 1e-9);
    ceiling = std::min(ceiling * 2, 0.4);
  }
  CHECK(*std::max_element(delays.begin(), delays.end()) > 0.1);       // it grew
  CHECK(std::set<double>(delays.begin(), delays.end()).size() >= 3);  // jittered, not a fixed schedule
  CHECK(log.find("trading resumes after") != std::string::npos);
}

TEST_CASE("resilience: the primary dies, the fallback trades, the primary returns and drives again",
          "[integration][resilience][failover]") {
  LiveRun run("failover", "bybit");
  run.daemon.set("trading", "coins", R"(["BTC", "ETH", "SOL"])");
  run.daemon.set("exchange", "fallback", "\"binance\"");
  run.daemon.set("exchange", "failover_after_ms", "500");
  run.daemon.set("exchange", "failback_after_ms", "1000");
  run.daemon.set("feed", "backoff_max_ms", "300");
  // Bybit: the LONG fires at 101, then the exchange drops every client and
  // refuses connections for 3 s. When it is back, SOL 600 would fire the trap
  // if a non-driving exchange's tick reached the Sniper (Binance still drives
  // for failback_after_ms); 2.5 s later ETH 2030 stops out the SHORT that was
  // opened on Binance.
  std::string bybit =
      "ts_ms,symbol,price\n0,BTCUSDT,100\n0,BTCUSDT,100.5\n0,BTCUSDT,101\n0,ETHUSDT,2000\n"
      "0,BTCUSDT,101.2\n0,SOLUSDT,600\n";
  for (int i = 0; i < 100; ++i) bybit += "0,ETHUSDT,2001\n";
  bybit += "0,ETHUSDT,2030\n";
  for (int i = 0; i < 40; ++i) bybit += "0,SOLUSDT,150\n";
  run.write_path(bybit, "bybit.csv");
  // Binance: the SHORT fires at 1989 and the LONG takes profit at 103, on Binance's prices only.
  run.write_path(
      "ts_ms,symbol,price\n0,BTCUSDT,102\n0,ETHUSDT,1995\n0,ETHUSDT,1989\n0,BTCUSDT,103\n"
      "0,ETHUSDT,1992\n0,ETHUSDT,1991\n",
      "binance.csv");
  run.write_conditions({condition("a-long", "BTC", "LONG", "ABOVE", 101, 50),
                        condition("b-short", "ETH", "SHORT", "BELOW", 1990, 30),
                        condition("trap", "SOL", "LONG", "ABOVE", 500, 20)});
  SimProcess primary(run.sim_args({"--plain", "--outage-after", "5", "--outage-ms", "3000"}, "bybit.csv"),
                     run.daemon.dir(), "sim-bybit");
  SimProcess fallback(run.sim_args({"--plain", "--loop"}, "binance.csv"), run.daemon.dir(), "sim-binance");
  run.point_at(primary, "bybit");
  run.point_at(fallback, "binance");
  const bool quotes = GENERATE(false, true);
  INFO("fill_on = " << (quotes ? "quote" : "trade"));
  if (quotes) {
    run.daemon.set("paper", "fill_on", "\"quote\"");
    run.daemon.write_config();
  }
  CHECK(run.trade_through(primary) == 0);

  if (!quotes) {
    CHECK(trade_summary(run) == "T-a-long:TAKE_PROFIT@103.0 T-b-short:STOP_LOSS@2030.0");
    CHECK(run.daemon.query("SELECT entry_price FROM trades WHERE id='T-a-long'") == "101.0");    // bybit
    CHECK(run.daemon.query("SELECT entry_price FROM trades WHERE id='T-b-short'") == "1989.0");  // binance
  } else {
    // Each fill at the driving exchange's book (the sim's 10 bps around its
    // trade; Binance pads to 8 decimals): a failover hands the fallback's
    // quotes to the fills, a failback the primary's.
    auto q = [](double trade, double side, bool binance) {
      const double v = trade * (1 + side * 0.0005);
      return binance ? std::stod(fmt::format("{:.8f}", v)) : v;
    };
    const std::string a = " FROM trades WHERE id='T-a-long'", b = " FROM trades WHERE id='T-b-short'";
    CHECK(run.daemon.query("SELECT entry_fill || exit_fill || exit_reason" + a) == "askbidTAKE_PROFIT");
    CHECK(run.daemon.query_double("SELECT entry_price" + a) == Approx(q(101, +1, false)).margin(1e-9));  // bybit
    CHECK(run.daemon.query_double("SELECT exit_price" + a) == Approx(q(103, -1, true)).margin(1e-9));    // binance
    CHECK(run.daemon.query("SELECT entry_fill || exit_fill || exit_reason" + b) == "bidaskSTOP_LOSS");
    CHECK(run.daemon.query_double("SELECT entry_price" + b) == Approx(q(1989, -1, true)).margin(1e-9));  // binance
    CHECK(run.daemon.query_double("SELECT exit_price" + b) == Approx(q(2030, +1, false)).margin(1e-9));  // bybit
  }
  CHECK(run.daemon.query("SELECT status FROM conditions WHERE id='trap'") == "CANCELLED");  // never fired
  const std::string log = run.log();
  const auto failover = numbers_after(log, "Failing over to binance: bybit has not been live for ");
  REQUIRE(failover.size() == 1);
  CHECK(failover[0] >= 0.5);  // failover_after_ms
  CHECK(failover[0] <= 2.0);  // ... plus the fallback's own connect
  CHECK(log.find("Feed: OK (binance)") != std::string::npos);
  CHECK(log.find("Failing back to bybit: live again for") != std::string::npos);
  CHECK(log.find("Feed binance stopped") != std::string::npos);  // the fallback is let go after failback
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}

TEST_CASE("resilience: a flapping primary (connects, sends a burst, stalls) is failed over",
          "[integration][resilience][failover]") {
  LiveRun run("flapping", "bybit");
  run.daemon.set("exchange", "fallback", "\"binance\"");
  run.daemon.set("exchange", "failover_after_ms", "1500");
  run.daemon.set("health", "stale_after_ms", "300");
  run.daemon.set("feed", "reconnect_after_stale_ms", "500");
  // Every Bybit connection goes silent after 3 messages: about 0.4 s live
  // (until STALE) in every second, never down for 1.5 s at a stretch. Only
  // Binance's prices reach the LONG's trigger.
  std::string bybit = "ts_ms,symbol,price\n";
  for (int i = 0; i < 200; ++i) bybit += "0,BTCUSDT,100\n0,ETHUSDT,2000\n";
  run.write_path(bybit, "bybit.csv");
  run.write_path("ts_ms,symbol,price\n0,BTCUSDT,100\n0,ETHUSDT,2000\n0,BTCUSDT,101\n0,BTCUSDT,103\n", "binance.csv");
  run.write_conditions({condition("a-long", "BTC", "LONG", "ABOVE", 101, 50)});
  SimProcess primary(run.sim_args({"--plain", "--silent-after", "3"}, "bybit.csv"), run.daemon.dir(), "sim-bybit");
  SimProcess fallback(run.sim_args({"--plain", "--loop"}, "binance.csv"), run.daemon.dir(), "sim-binance");
  run.point_at(primary, "bybit");
  run.point_at(fallback, "binance");
  CHECK(run.trade_through(fallback, 1) == 0);
  CHECK(trade_summary(run) == "T-a-long:TAKE_PROFIT@103.0");
  const std::string log = run.log();
  const auto down = numbers_after(log, "Failing over to binance: bybit has been down ");
  REQUIRE(down.size() == 1);
  CHECK(down[0] >= 1.5);  // failover_after_ms, summed over the stalls
  CHECK(down[0] <= 2.0);
  CHECK(log.find(" in all since it last stayed live for 1.5 s (") != std::string::npos);
  CHECK(log.find(" short-lived connections)") != std::string::npos);
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}

TEST_CASE("resilience: planned rotation by age is make-before-break: no trade missed or doubled",
          "[integration][resilience]") {
  LiveRun run("rotation", "bybit");
  std::string path = "ts_ms,symbol,price\n";
  for (int i = 0; i < 5; ++i) path += "0,ETHUSDT,2000\n";
  for (int i = 0; i < 155; ++i) path += "0,BTCUSDT," + std::to_string(100 + i % 7) + "\n";
  run.write_path(path);
  run.write_conditions({condition("idle", "BTC", "LONG", "ABOVE", 1000, 10)});
  run.daemon.set("feed", "coin_stale_after_ms", "500");
  const bool quotes = GENERATE(false, true);  // with the book streams on both connections too
  if (quotes) run.daemon.set("paper", "fill_on", "\"quote\"");
  const std::string log = run_rotating(run, {});
  INFO(log);
  CHECK(log.find("Feed bybit stopped: 160 ticks") != std::string::npos);    // each trade exactly once
  CHECK(log.find("bybit: no trade on ETHUSDT for ") != std::string::npos);  // a silent coin is reported
  if (quotes) {
    // Every message's quote arrived (a rotation may deliver one twice: it is the same book).
    std::smatch m;
    REQUIRE(std::regex_search(log, m, std::regex(R"(rotations; ([0-9]+) quotes \(0 old, )")));
    CHECK(std::stoi(m[1]) >= 160);
  }
}

TEST_CASE("resilience: a rotation every second against many trades per seq delivers every trade exactly once",
          "[integration][resilience][input]") {
  // Real Bybit frames carry every fill of one taker order under one "seq"
  // (protocols.md): here 8 trades share each seq and a frame holds up to 3,
  // so a seq spans frames, and the two connections of each rotation overlap
  // in the middle of one. The book comes as level-1 deltas on both.
  LiveRun run("rotation-seq", "bybit");
  std::string path = "ts_ms,symbol,price\n";
  int trades = 0;
  for (int i = 0; i < 160; ++i, ++trades) path += "0,BTCUSDT," + std::to_string(100 + i % 7) + "\n";
  for (int i = 0; i < 4; ++i, ++trades) path += "0,ETHUSDT,2000\n";
  run.write_path(path);
  run.write_conditions({condition("idle", "BTC", "LONG", "ABOVE", 1000, 10)});
  run.daemon.set("paper", "fill_on", "\"quote\"");
  const std::string log =
      run_rotating(run, {"--trades-per-seq", "8", "--trades-per-frame", "3", "--rate", "20", "--bybit-deltas"});
  INFO(log);
  std::smatch m;
  REQUIRE(
      std::regex_search(log, m, std::regex(R"(Feed bybit stopped: ([0-9]+) ticks in [0-9]+ frames, 0 bad frames)")));
  CHECK(std::stoi(m[1]) == trades);  // every trade, none twice, none lost as a "duplicate" of its seq
  REQUIRE(std::regex_search(log, m, std::regex(R"(, ([0-9]+) duplicates dropped, )")));
  CHECK(std::stoi(m[1]) > 0);  // the overlaps did carry the same trades twice
}

TEST_CASE("resilience: a stop crossed during an outage closes at the first fresh price", "[integration][resilience]") {
  LiveRun run("outage-stop", "bybit");
  std::string path = "ts_ms,symbol,price\n0,BTCUSDT,100\n0,ETHUSDT,2000\n0,BTCUSDT,101\n0,BTCUSDT,101.5\n";
  for (int i = 0; i < 60; ++i) path += "0,BTCUSDT,97.5\n";  // below the stop (98.98) from here on
  run.write_path(path);
  run.write_conditions({condition("long-1", "BTC", "LONG", "ABOVE", 101, 50)});
  run.daemon.set("health", "stale_after_ms", "300");
  run.daemon.set("feed", "reconnect_after_stale_ms", "10000");
  // After 4 messages the link goes quiet for 0.8 s while the market moves on.
  SimProcess sim(run.sim_args({"--silent-after", "4", "--silent-for-ms", "800"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  CHECK(run.trade_through(sim, 1) == 0);
  CHECK(trade_summary(run) == "T-long-1:STOP_LOSS@97.5");
  const std::string log = run.log();
  CHECK(log.find("STALE, trading paused") != std::string::npos);
  CHECK(log.find("trading resumes at BTCUSDT 97.5") != std::string::npos);
  CHECK(log.find("Disconnected") == std::string::npos);
}

TEST_CASE("resilience: delayed trades older than max_tick_age_ms never trade", "[integration][resilience]") {
  LiveRun run("delayed", "bybit");
  use_standard_path(run);
  run.daemon.set("feed", "max_tick_age_ms", "5000");
  const std::string log = run_whole_path(run, {"--delay-ms", "8000"});
  CHECK(run.daemon.query("SELECT count(*) FROM trades") == "0");
  CHECK(log.find("trades older than 5000 ms") != std::string::npos);
  CHECK(log.find("Feed bybit stopped: 0 ticks in 15 frames") != std::string::npos);
  CHECK(log.find("14 old ticks skipped") != std::string::npos);
}

TEST_CASE("resilience: trades stamped from the future never trade nor expire a valid condition",
          "[integration][resilience][input]") {
  // A wrong clock at the exchange (or here): trades 8 s ahead of this clock.
  // Trading on them would expire conditions still valid and stamp fills
  // ahead of time; they are dropped and counted, like delayed ones.
  for (const std::string exchange : {"bybit", "binance"}) {
    SECTION(exchange) {
      LiveRun run("future-" + exchange, exchange);
      use_standard_path(run);
      // Valid for 5 s more: a trade stamped 8 s ahead would expire it.
      std::string soon = condition("soon", "BTC", "LONG", "ABOVE", 1000, 10);
      const auto now = tradingd::SystemClock().now_ms();
      soon = std::regex_replace(soon, std::regex(R"("valid_until":[0-9]+)"),
                                "\"valid_until\":" + std::to_string(now + 20'000));
      run.write_conditions({soon});
      run.daemon.set("feed", "max_tick_age_ms", "5000");
      const std::string log = run_whole_path(run, {"--future-ms", "8000"});
      INFO(log);
      CHECK(run.daemon.query("SELECT count(*) FROM trades") == "0");
      CHECK(run.daemon.query("SELECT status || ' ' || status_reason FROM conditions WHERE id = 'soon'") ==
            "CANCELLED shutdown");
      CHECK_THAT(log, Catch::Contains("trades stamped more than 5000 ms ahead of this clock"));
      CHECK_THAT(log, Catch::Contains(" 0 old ticks skipped, 14 from the future, "));
    }
  }
}
