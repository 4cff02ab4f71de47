// tradingd as systemd runs a Type=notify unit with WatchdogSec=: the test plays
// systemd with a datagram socket as NOTIFY_SOCKET and WATCHDOG_USEC set, and
// checks what a real systemd acts on (sd_notify(3)): READY=1 after start-up,
// the health line as STATUS=, WATCHDOG=1 at the interval and none while the io
// thread is blocked (the TRADINGD_TEST_STALL_MS hook), STOPPING=1 on SIGTERM.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "live_run.hpp"
#include "notify_listener.hpp"

using namespace tradingd::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string socket_path(const std::string& tag) {
  return (std::filesystem::temp_directory_path() / ("tradingd-" + tag + "-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

// The longest wait for a keep-alive that arrived in (from, to], since the one before it.
Clock::duration longest_gap(const std::vector<NotifyListener::Message>& keepalives, Clock::time_point from,
                            Clock::time_point to) {
  Clock::duration longest{0};
  for (std::size_t i = 1; i < keepalives.size(); ++i)
    if (keepalives[i].at > from && keepalives[i].at <= to)
      longest = std::max(longest, keepalives[i].at - keepalives[i - 1].at);
  return longest;
}

long long ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

TEST_CASE("systemd: READY=1 once live, STATUS= health lines, WATCHDOG=1 only while the io thread runs, STOPPING=1",
          "[integration][systemd]") {
  constexpr int stall_ms = 2500;
  NotifyListener systemd(socket_path("notify"));
  LiveRun run("systemd-notify", "bybit");
  run.write_conditions({});
  SimProcess sim({"--walk", "BTCUSDT:60000,ETHUSDT:3000", "--rate", "20", "--write-ca",
                  (run.daemon.dir() / "sim-ca.pem").string()},
                 run.daemon.dir(), "sim");
  run.point_at(sim);
  // WATCHDOG_USEC 200 ms: a keep-alive every 100 ms.
  TestProcess p({"/usr/bin/env", "NOTIFY_SOCKET=" + systemd.address(), "WATCHDOG_USEC=200000",
                 "TRADINGD_TEST_STALL_MS=" + std::to_string(stall_ms), TRADINGD_BINARY, "--config",
                 (run.daemon.dir() / "settings.toml").string()},
                run.daemon.dir(), "tradingd");

  // READY=1 comes once, after the journal was opened and the feed started.
  REQUIRE(wait_until([&] { return !systemd.with_line("READY=1").empty(); }));
  const std::string log_at_ready = run.log();
  CHECK(log_at_ready.find("armed conditions") != std::string::npos);  // the journal was recovered
  CHECK(log_at_ready.find("systemd watchdog: WATCHDOG=1 every 100 ms from the io thread") != std::string::npos);
  // The health line becomes the unit's status (systemctl status shows it).
  if (!wait_until([&] { return systemd.last_status().find("Feed: OK (bybit)") != std::string::npos; }))
    FAIL("no STATUS= with a live feed; last: " << systemd.last_status() << "\n" << run.log());
  CHECK(systemd.last_status().rfind("Conditions: 0 | Positions: 0 | Feed: OK (bybit) | Ticks/s: ", 0) == 0);

  // Keep-alives flow: wait for ten, then stall the io thread.
  REQUIRE(wait_until([&] { return systemd.with_line("WATCHDOG=1").size() >= 10; }));
  const auto before_stall = Clock::now();
  const auto flowing = longest_gap(systemd.with_line("WATCHDOG=1"), Clock::time_point{}, before_stall);
  p.signal(SIGUSR2);
  run.require_log("Test hook: the io thread runs again");
  const auto count_after_stall = systemd.with_line("WATCHDOG=1").size();
  // ... and they resume afterwards.
  REQUIRE(wait_until([&] { return systemd.with_line("WATCHDOG=1").size() >= count_after_stall + 3; }));
  const auto stalled = longest_gap(systemd.with_line("WATCHDOG=1"), before_stall, Clock::now());
  INFO("longest gap before the stall " << ms(flowing) << " ms, across it " << ms(stalled) << " ms");
  // No keep-alive while the io thread was blocked: a gap at least as long as the stall.
  CHECK(ms(stalled) >= stall_ms - 20);
  CHECK(ms(flowing) < stall_ms - 20);  // which the flowing keep-alives never had

  // SIGTERM: STOPPING=1, then no more keep-alives, exit 0.
  CHECK(stop(p) == 0);
  const auto stopping = systemd.with_line("STOPPING=1");
  REQUIRE(stopping.size() == 1);
  // With a last keep-alive: the shutdown has a whole WatchdogSec= to flush the journal.
  CHECK(stopping[0].text == "STOPPING=1\nWATCHDOG=1\nSTATUS=Shutting down (SIGTERM)");
  for (const auto& m : systemd.with_line("WATCHDOG=1")) CHECK(m.at <= stopping[0].at);
  CHECK(systemd.with_line("READY=1").size() == 1);
}

TEST_CASE("systemd: a replay is READY=1 when it begins, and a NOTIFY_SOCKET that cannot be used is a warning",
          "[integration][systemd]") {
  DaemonHarness h("systemd-replay");
  const auto ticks = h.write("ticks.csv", "ts_ms,coin,price\n1700000000000,BTC,42000\n1700000000100,BTC,42001\n");
  h.write_config();
  SECTION("an abstract socket") {
    NotifyListener systemd("@tradingd-replay-" + std::to_string(::getpid()));
    const int code = TestProcess::run({"/usr/bin/env", "NOTIFY_SOCKET=" + systemd.address(), TRADINGD_BINARY,
                                       "--config", (h.dir() / "settings.toml").string(), "--replay", ticks.string()},
                                      h.dir(), "tradingd");
    CHECK(code == 0);
    REQUIRE(wait_until([&] { return systemd.with_line("STOPPING=1").size() == 1; }));
    const auto m = systemd.messages();
    REQUIRE(m.size() >= 2);
    CHECK(m.front().text.rfind("READY=1\nSTATUS=Replaying " + ticks.string(), 0) == 0);
    CHECK(m.back().text == "STOPPING=1\nSTATUS=Shutting down (replay finished)");
    CHECK(systemd.with_line("WATCHDOG=1").empty());  // no WATCHDOG_USEC, no keep-alive
  }
  SECTION("a relative path") {
    const int code = TestProcess::run({"/usr/bin/env", "NOTIFY_SOCKET=run/notify", TRADINGD_BINARY, "--config",
                                       (h.dir() / "settings.toml").string(), "--replay", ticks.string()},
                                      h.dir(), "tradingd");
    CHECK(code == 0);
    CHECK(read_file(h.log_path()).find("systemd: NOTIFY_SOCKET 'run/notify' is not an absolute path or @name") !=
          std::string::npos);
  }
}
