// ReconnectPolicy with a manual clock: jittered exponential backoff under a
// cap, reset after a stable connection, and the exchanges' attempt limits.

#include <catch2/catch.hpp>
#include <set>

#include "tradingd/feed/reconnect_policy.hpp"

using tradingd::ReconnectPolicy;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {
ReconnectPolicy::Clock::time_point t0{std::chrono::hours(1000)};
}

TEST_CASE("Backoff: full jitter under a ceiling that doubles from initial to max", "[feed][backoff]") {
  ReconnectPolicy p({500ms, 30000ms, 300000ms, 300000ms, 240}, 7);
  auto now = t0;
  std::set<long> distinct;
  ms expected_ceiling = 500ms;
  for (int i = 0; i < 12; ++i) {
    CHECK(p.ceiling() == expected_ceiling);
    p.on_attempt(now);
    const ms d = p.next_delay(now);
    CHECK(d >= 0ms);
    CHECK(d <= expected_ceiling);
    distinct.insert(static_cast<long>(d.count()));
    expected_ceiling = std::min(expected_ceiling * 2, ms(30000));
    now += d + 10ms;
  }
  CHECK(p.ceiling() == 30000ms);
  CHECK(distinct.size() >= 10);  // jittered, not a fixed schedule
}

TEST_CASE("Backoff resets only after a connection stayed live for reset_after", "[feed][backoff]") {
  ReconnectPolicy p({500ms, 30000ms, 300000ms, 300000ms, 240}, 1);
  auto now = t0;
  for (int i = 0; i < 6; ++i) (void)p.next_delay(now);
  CHECK(p.ceiling() == 30000ms);
  p.on_live(now);
  now += 299s;  // dropped just short of five minutes: keeps backing off
  (void)p.next_delay(now);
  CHECK(p.ceiling() == 30000ms);
  p.on_live(now);
  now += 300s;
  const ms d = p.next_delay(now);
  CHECK(d <= 500ms);
  CHECK(p.ceiling() == 1000ms);
}

TEST_CASE("A flapping link never makes more attempts per 5 minutes than the exchange allows", "[feed][backoff]") {
  for (const std::size_t limit : {std::size_t{240}, std::size_t{400}}) {  // Binance 300, Bybit 500, with headroom
    INFO("limit " << limit);
    // Worst case: every connection goes live and drops at once, and backoff
    // never grows (tiny initial and max), for two simulated hours.
    ReconnectPolicy p({1ms, 2ms, 300000ms, 300000ms, limit}, 3);
    auto now = t0;
    std::deque<ReconnectPolicy::Clock::time_point> attempts;
    std::size_t worst = 0;
    while (now < t0 + 2h) {
      p.on_attempt(now);
      attempts.push_back(now);
      while (now - attempts.front() >= 300s) attempts.pop_front();
      worst = std::max(worst, attempts.size());
      p.on_live(now);
      now += p.next_delay(now) + 1ms;
    }
    CHECK(worst <= limit);
    CHECK(worst >= limit - 1);  // it does use the budget: the limiter is what held it
  }
}
