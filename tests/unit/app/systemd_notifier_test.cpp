// SystemdNotifier against a real datagram socket playing systemd (sd_notify(3)),
// its io_context run by hand: what it sends, when, and what it refuses to use.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "notify_listener.hpp"
#include "sim_process.hpp"
#include "tradingd/app/systemd_notifier.hpp"

using tradingd::SystemdNotifier;
using tradingd::test::NotifyListener;
using tradingd::test::wait_until;

namespace {

std::string unique_address(const std::string& tag) {
  return "@tradingd-unit-" + tag + "-" + std::to_string(::getpid());
}

}  // namespace

TEST_CASE("SystemdNotifier: without NOTIFY_SOCKET it opens nothing and sends nothing") {
  boost::asio::io_context io;
  SystemdNotifier n(io, {"", "2000000", ""}, ::getpid());
  CHECK_FALSE(n.enabled());
  CHECK(n.problem().empty());
  n.ready("up");
  n.status("line");
  n.stopping("bye");
  CHECK(n.sent() == 0);
  CHECK(io.poll() == 0);  // no watchdog timer was armed
}

TEST_CASE("SystemdNotifier: READY=1, STATUS= and STOPPING=1 reach the socket, abstract or a path") {
  const std::string tag = GENERATE(as<std::string>{}, "abstract", "path");
  const std::string address =
      tag == "abstract"
          ? unique_address("msgs")
          : (std::filesystem::temp_directory_path() / ("tradingd-unit-notify-" + std::to_string(::getpid()) + ".sock"))
                .string();
  NotifyListener systemd(address);
  boost::asio::io_context io;
  SystemdNotifier n(io, {address, "", ""}, ::getpid());
  REQUIRE(n.enabled());
  CHECK(n.watchdog_interval().count() == 0);
  n.ready("Started");
  n.status("Conditions: 0 | Positions: 0 | Feed: OK (bybit)");
  n.stopping("Shutting down (SIGTERM)");
  REQUIRE(wait_until([&] { return systemd.messages().size() == 3; }));
  const auto m = systemd.messages();
  CHECK(m[0].text == "READY=1\nSTATUS=Started");
  CHECK(m[1].text == "STATUS=Conditions: 0 | Positions: 0 | Feed: OK (bybit)");
  CHECK(m[2].text == "STOPPING=1\nSTATUS=Shutting down (SIGTERM)");
  CHECK(n.sent() == 3);
  CHECK(n.failed() == 0);
  CHECK(io.poll() == 0);
}

TEST_CASE("SystemdNotifier: WATCHDOG=1 every half of WATCHDOG_USEC once ready, none after STOPPING=1") {
  const std::string address = unique_address("watchdog");
  NotifyListener systemd(address);
  boost::asio::io_context io;
  SystemdNotifier n(io, {address, "100000", std::to_string(::getpid())}, ::getpid());
  REQUIRE(n.watchdog_interval() == std::chrono::microseconds(50'000));
  io.run_for(std::chrono::milliseconds(120));
  CHECK(io.stopped());                // nothing to run: no timer before READY=1
  CHECK(systemd.messages().empty());  // and no keep-alive
  io.restart();
  const auto ready_at = std::chrono::steady_clock::now();
  n.ready("Started");
  // One keep-alive at READY=1, then one per interval: the fourth no sooner than 150 ms later.
  for (int i = 0; i < 3; ++i) io.run_one_for(std::chrono::seconds(5));
  REQUIRE(wait_until([&] { return systemd.with_line("WATCHDOG=1").size() == 4; }, std::chrono::seconds(2)));
  CHECK(std::chrono::steady_clock::now() - ready_at >= std::chrono::milliseconds(150));
  n.stopping("bye");
  REQUIRE(wait_until([&] { return systemd.with_line("STOPPING=1").size() == 1; }));
  // With a last keep-alive, so that the shutdown has a whole interval.
  CHECK(systemd.with_line("STOPPING=1")[0].text == "STOPPING=1\nWATCHDOG=1\nSTATUS=bye");
  const auto before = systemd.with_line("WATCHDOG=1").size();
  io.run_for(std::chrono::milliseconds(150));
  CHECK(io.stopped());  // the timer is gone: run_for() returned by itself
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(systemd.with_line("WATCHDOG=1").size() == before);
}

TEST_CASE("SystemdNotifier: environment it cannot use is a warning, never a failure") {
  boost::asio::io_context io;
  SECTION("a relative NOTIFY_SOCKET") {
    SystemdNotifier n(io, {"run/notify", "", ""}, ::getpid());
    CHECK_FALSE(n.enabled());
    CHECK(n.problem().find("NOTIFY_SOCKET 'run/notify' is not an absolute path") != std::string::npos);
  }
  SECTION("a path longer than sockaddr_un holds") {
    SystemdNotifier n(io, {"/" + std::string(200, 'x'), "", ""}, ::getpid());
    CHECK_FALSE(n.enabled());
    CHECK_FALSE(n.problem().empty());
  }
  SECTION("WATCHDOG_USEC that is not a number: notify, no watchdog") {
    SystemdNotifier n(io, {unique_address("bad"), "12ms\x1b[31m", ""}, ::getpid());
    CHECK(n.enabled());
    CHECK(n.watchdog_interval().count() == 0);
    // Echoed escaped: no terminal escape reaches the log.
    CHECK(n.problem() == "WATCHDOG_USEC '12ms\\u{1B}[31m' is not a positive number: no watchdog");
  }
  SECTION("WATCHDOG_PID of another process: the watchdog is not ours") {
    SystemdNotifier n(io, {unique_address("pid"), "1000000", "1"}, ::getpid());
    CHECK(n.enabled());
    CHECK(n.watchdog_interval().count() == 0);
    CHECK(n.problem().empty());
  }
  SECTION("nobody listening: a send fails, is counted, and nothing throws") {
    SystemdNotifier n(io, {unique_address("nobody"), "", ""}, ::getpid());
    REQUIRE(n.enabled());
    n.ready("Started");
    n.status("line");
    CHECK(n.sent() == 0);
    CHECK(n.failed() == 2);
  }
}
