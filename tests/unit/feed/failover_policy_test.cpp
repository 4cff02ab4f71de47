// FailoverPolicy driven by a test clock: every rule of which exchange drives
// (design.md §8), no sockets. The socket tests (feed_resilience_test) keep a
// few of these end to end.

#include <catch2/catch.hpp>
#include <string>

#include "tradingd/feed/failover_policy.hpp"

using tradingd::FailoverPolicy;
using namespace std::chrono_literals;

namespace {

constexpr auto primary = FailoverPolicy::primary;
constexpr auto fallback = FailoverPolicy::fallback;

// A steady clock the test moves by hand.
struct TestClock {
  FailoverPolicy::Clock::time_point t{std::chrono::hours(1000)};
  void advance(std::chrono::milliseconds d) { t += d; }
  [[nodiscard]] FailoverPolicy::Clock::time_point now() const { return t; }
};

FailoverPolicy::Settings settings(bool has_fallback = true) {
  FailoverPolicy::Settings s;
  s.failover_after = 10s;
  s.failback_after = 60s;
  s.has_fallback = has_fallback;
  s.primary_name = "bybit";
  s.fallback_name = "binance";
  return s;
}

// The supervisor's loop with the links as given from now on: an evaluation
// now (a link's state changed), then one every 100 ms for `d`. Returns the
// first decision that is not none, at the time it was made.
FailoverPolicy::Decision run(FailoverPolicy& p, TestClock& clock, std::chrono::milliseconds d, bool primary_live,
                             bool fallback_live) {
  auto decision = p.evaluate(clock.now(), primary_live, fallback_live);
  for (auto left = d; decision.none() && left > 0ms; left -= 100ms) {
    clock.advance(100ms);
    decision = p.evaluate(clock.now(), primary_live, fallback_live);
  }
  return decision;
}

}  // namespace

TEST_CASE("Failover: without a fallback nothing is ever decided", "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings(false));
  p.start(clock.now());
  CHECK(run(p, clock, 120s, false, false).none());
  CHECK(p.driver() == primary);
  CHECK_FALSE(p.fallback_running());
}

TEST_CASE("Failover: a primary down for failover_after starts the fallback and it drives once live",
          "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  CHECK(run(p, clock, 9900ms, false, false).none());  // 9.9 s: not yet
  auto d = run(p, clock, 100ms, false, false);
  CHECK(d.start_fallback);
  CHECK_FALSE(d.drive);
  CHECK_FALSE(d.stop_fallback);
  CHECK(d.why == "bybit has not been live for 10 s");
  CHECK(p.fallback_running());
  CHECK(p.driver() == primary);  // not before the fallback is live
  CHECK(run(p, clock, 2s, false, false).none());
  d = run(p, clock, 100ms, false, true);
  REQUIRE(d.drive);
  CHECK(*d.drive == fallback);
  CHECK_FALSE(d.start_fallback);  // started once only
  CHECK(d.why == "bybit has not been live for 12 s");
  CHECK(p.driver() == fallback);
}

TEST_CASE("Failover: a primary live again before the fallback is stops the fallback", "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  REQUIRE(run(p, clock, 10s, false, false).start_fallback);
  // The start-up connect succeeds late: not a drop, so the primary is trusted at once.
  const auto d = run(p, clock, 100ms, true, false);
  CHECK(d.stop_fallback);
  CHECK_FALSE(d.drive);
  CHECK(d.why == "bybit is live again before binance took over");
  CHECK_FALSE(p.fallback_running());
  CHECK(p.driver() == primary);
}

TEST_CASE("Failover: a primary that drops after being live must stay live failover_after to stop the fallback",
          "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  CHECK(run(p, clock, 30s, true, false).none());
  REQUIRE(run(p, clock, 10s, false, false).start_fallback);
  // Back after 10.5 s down: still on probation, the fallback keeps connecting
  // but cannot take over while the primary is live.
  CHECK(run(p, clock, 9900ms, true, true).none());
  CHECK(p.fallback_running());
  CHECK(p.driver() == primary);
  const auto d = run(p, clock, 100ms, true, true);
  CHECK(d.stop_fallback);
  CHECK_FALSE(p.fallback_running());
}

TEST_CASE("Failover: a flapping primary fails over on its down time summed across short-lived connections",
          "[unit][feed][failover]") {
  // The soak's finding: a primary that connects, sends a burst and stalls
  // again never stayed down for failover_after in one piece.
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  CHECK(run(p, clock, 60s, true, false).none());
  FailoverPolicy::Decision d;
  int cycles = 0;
  while (d.none() && cycles < 10) {
    d = run(p, clock, 3s, false, false);               // down 3 s
    if (d.none()) d = run(p, clock, 2s, true, false);  // live 2 s
    ++cycles;
  }
  REQUIRE(d.start_fallback);
  CHECK(cycles == 4);  // 3 + 3 + 3 + 1 s down
  CHECK(d.why == "bybit has been down 10 s in all since it last stayed live for 10 s (3 short-lived connections)");
  // Still flapping while the fallback comes up: the fallback takes over.
  d = run(p, clock, 2s, false, true);
  REQUIRE(d.drive);
  CHECK(*d.drive == fallback);
}

TEST_CASE("Failover: staying live failover_after forgives the earlier drops", "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  CHECK(run(p, clock, 60s, true, false).none());
  CHECK(run(p, clock, 4s, false, false).none());
  CHECK(run(p, clock, 2s, true, false).none());
  CHECK(run(p, clock, 4s, false, false).none());  // 8 s down in all
  CHECK(run(p, clock, 10s, true, false).none());  // stayed live: the sum starts again
  CHECK(p.primary_down(clock.now()) == FailoverPolicy::Clock::duration::zero());
  CHECK(run(p, clock, 9900ms, false, false).none());
  CHECK(run(p, clock, 100ms, false, false).start_fallback);
}

TEST_CASE("Failback: the primary drives again after failback_after live, and the fallback stops",
          "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  REQUIRE(run(p, clock, 10s, false, false).start_fallback);
  REQUIRE(run(p, clock, 1s, false, true).drive);
  REQUIRE(p.driver() == fallback);
  CHECK(run(p, clock, 59900ms, true, true).none());
  const auto d = run(p, clock, 100ms, true, true);
  REQUIRE(d.drive);
  CHECK(*d.drive == primary);
  CHECK(d.stop_fallback);
  CHECK(d.why == "live again for 60 s");
  CHECK(p.driver() == primary);
  CHECK_FALSE(p.fallback_running());
}

TEST_CASE("Failback: at once when the fallback is down and the primary live", "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  REQUIRE(run(p, clock, 10s, false, false).start_fallback);
  REQUIRE(run(p, clock, 1s, false, true).drive);
  CHECK(run(p, clock, 5s, false, false).none());  // both down: nothing to switch to
  const auto d = run(p, clock, 100ms, true, false);
  REQUIRE(d.drive);
  CHECK(*d.drive == primary);
  CHECK(d.stop_fallback);
  CHECK(d.why == "binance is down and bybit is live");
}

TEST_CASE("Failover: a primary that drops again after failing back fails over again", "[unit][feed][failover]") {
  TestClock clock;
  FailoverPolicy p(settings());
  p.start(clock.now());
  REQUIRE(run(p, clock, 10s, false, false).start_fallback);
  REQUIRE(run(p, clock, 1s, false, true).drive);
  REQUIRE(run(p, clock, 60s, true, true).drive);  // failback
  REQUIRE(p.driver() == primary);
  auto d = run(p, clock, 10s, false, false);
  CHECK(d.start_fallback);
  d = run(p, clock, 1s, false, true);
  REQUIRE(d.drive);
  CHECK(*d.drive == fallback);
}
