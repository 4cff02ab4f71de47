#pragma once
// LiveRun: tradingd against a real exchange-sim, the way a user runs it: a
// config pointing at the sim over wss (its CA trusted), a conditions file, the
// daemon process, and the journal and log read back.

#include <catch2/catch.hpp>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "daemon_harness.hpp"
#include "sim_process.hpp"
#include "tradingd/domain/system_clock.hpp"

namespace tradingd::test {

// One condition as the conditions file spells it, valid for the next hour.
inline std::string condition(const std::string& id, const std::string& coin, const std::string& direction,
                             const std::string& trigger_type, double trigger_price, double size_usd) {
  const auto now = tradingd::SystemClock().now_ms();
  char buf[512];
  std::snprintf(buf, sizeof buf,
                R"({"id":"%s","coin":"%s","direction":"%s","trigger_type":"%s","trigger_price":%.17g,)"
                R"("position_size_usd":%.17g,"strategy_id":"s1","valid_until":%lld,"created_at":%lld})",
                id.c_str(), coin.c_str(), direction.c_str(), trigger_type.c_str(), trigger_price, size_usd,
                static_cast<long long>(now + 3'600'000), static_cast<long long>(now));
  return buf;
}

// Waits until the sim has sent the whole path, then lets the last frames
// cross loopback before the daemon is stopped.
inline void wait_path_sent(const SimProcess& sim) {
  REQUIRE(wait_until([&] { return sim.output().find("path finished") != std::string::npos; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

inline int stop(TestProcess& p) {
  p.signal(SIGTERM);
  return p.wait(std::chrono::seconds(20)).value_or(-1);
}

class LiveRun {
 public:
  // `exchange` is the primary; coins BTC and ETH; no fallback; fast reconnects.
  LiveRun(const std::string& tag, std::string exchange_name) : daemon(tag), exchange(std::move(exchange_name)) {
    daemon.set("trading", "coins", R"(["BTC", "ETH"])");
    daemon.set("exchange", "primary", "\"" + exchange + "\"");
    daemon.set("exchange", "fallback", "\"\"");
    daemon.set("tls", "ca_file", "\"sim-ca.pem\"");
    daemon.set("feed", "backoff_initial_ms", "100");
    daemon.set("feed", "backoff_max_ms", "1000");
  }

  void write_path(const std::string& csv, const std::string& name = "path.csv") const { daemon.write(name, csv); }
  void write_conditions(const std::vector<std::string>& conditions) const {
    std::string text = "[";
    for (std::size_t i = 0; i < conditions.size(); ++i) text += (i ? ",\n" : "") + conditions[i];
    daemon.write("conditions.json", text + "]\n");
  }

  // exchange-sim arguments: the CSV at 40 messages a second, writing the CA the daemon trusts.
  std::vector<std::string> sim_args(std::vector<std::string> extra, const std::string& path = "path.csv",
                                    const std::string& ca = "sim-ca.pem") const {
    std::vector<std::string> a = {"--csv",      (daemon.dir() / path).string(), "--rate", "40",
                                  "--write-ca", (daemon.dir() / ca).string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // Points [exchange.<name>] url at the sim (the primary unless named).
  void point_at(const SimProcess& sim, std::string name = "") {
    if (name.empty()) name = exchange;
    const std::string path = name == "bybit" ? "/v5/public/spot" : "";
    daemon.set("exchange." + name, "url", "\"" + sim.url() + path + "\"");
    daemon.write_config();
  }

  [[nodiscard]] TestProcess start() const {
    return TestProcess({TRADINGD_BINARY, "--config", (daemon.dir() / "settings.toml").string(), "--conditions",
                        (daemon.dir() / "conditions.json").string()},
                       daemon.dir(), "tradingd");
  }

  [[nodiscard]] int closed_trades() const { return count("SELECT count(*) FROM trades WHERE status='CLOSED'"); }
  // -1 while the journal does not exist yet.
  [[nodiscard]] int count(const std::string& sql) const {
    try {
      return std::stoi(daemon.query(sql));
    } catch (const std::exception&) {
      return -1;
    }
  }

  [[nodiscard]] std::string log() const { return read_file(daemon.log_path()); }

  // Waits for `n` closed trades; on a timeout the test fails showing what the
  // daemon and the sim logged.
  void require_trades_closed(const SimProcess& sim, int n = 2) const {
    if (!wait_until([&] { return closed_trades() >= n; }, std::chrono::seconds(30)))
      FAIL("the trades did not close\n--- tradingd log:\n" << log() << "\n--- exchange-sim:\n" << sim.output());
  }
  // The whole run of a test: start tradingd against `sim`, wait until `closed`
  // trades have closed (and, if asked, the sim has sent its whole path), stop
  // it with SIGTERM; returns the exit code.
  int trade_through(const SimProcess& sim, int closed = 2, bool whole_path = false) const {
    TestProcess p = start();
    require_trades_closed(sim, closed);
    if (whole_path) wait_path_sent(sim);
    return stop(p);
  }

  // Waits until the log contains `text`, failing with the log shown.
  void require_log(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    if (!wait_until([&] { return log().find(text) != std::string::npos; }, timeout))
      FAIL("the log never said: " << text << "\n--- tradingd log:\n" << log());
  }

  DaemonHarness daemon;
  std::string exchange;
};

}  // namespace tradingd::test
