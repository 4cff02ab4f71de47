// LinkWatch driven by a test clock: when a connection is dead, when to ping,
// when the feed goes STALE and is recycled, and when a connection is rotated
// (design.md §8), with the reasons the log gives. No sockets: the socket
// tests (feed_resilience_test) keep each rule once end to end.

#include <catch2/catch.hpp>
#include <string>

#include "tradingd/feed/link_watch.hpp"

using tradingd::FeedLinkState;
using tradingd::LinkWatch;
using namespace std::chrono_literals;
using Action = LinkWatch::LinkVerdict::Action;

namespace {

struct TestClock {
  LinkWatch::Clock::time_point t{std::chrono::hours(1000)};
  void advance(std::chrono::milliseconds d) { t += d; }
  [[nodiscard]] LinkWatch::Clock::time_point now() const { return t; }
};

LinkWatch::Settings settings(bool client_pings) {
  LinkWatch::Settings s;
  s.subscribe_timeout = 10s;
  s.client_pings = client_pings;
  s.ping_interval = 20s;
  s.pong_timeout = 30s;
  s.silence_timeout = 60s;
  s.stale_after = 5s;
  s.reconnect_after_stale = 30s;
  s.rotate_after = 23h;
  return s;
}

// A link opened now, as MarketFeed starts one.
LinkWatch::Link opened(LinkWatch::Clock::time_point now) {
  LinkWatch::Link l;
  l.opened_at = now;
  l.last_rx = now;
  return l;
}

// A link opened, subscribed and pinged now.
LinkWatch::Link live(LinkWatch::Clock::time_point now) {
  auto l = opened(now);
  l.open = l.live = true;
  l.live_at = l.last_ping = now;
  return l;
}

}  // namespace

TEST_CASE("LinkWatch: a link not connected or not subscribed within the timeout is dead", "[unit][feed][watch]") {
  for (const bool bybit : {true, false}) {
    TestClock clock;
    const LinkWatch w(settings(bybit));
    auto link = opened(clock.now());
    clock.advance(9999ms);
    CHECK(w.check(link, clock.now()).action == Action::None);
    clock.advance(1ms);
    auto v = w.check(link, clock.now());
    CHECK(v.action == Action::Dead);
    CHECK(v.why == "not connected within 10 s");
    link.open = true;  // the handshake done, the subscription never acknowledged
    v = w.check(link, clock.now());
    CHECK(v.action == Action::Dead);
    CHECK(v.why == "no subscription ack within 10 s");
    link.live = true;
    link.live_at = link.last_rx = link.last_ping = clock.now();
    CHECK(w.check(link, clock.now()).action == Action::None);
  }
}

TEST_CASE("LinkWatch: Bybit pings every ping_interval and a link without data or pong after one is dead",
          "[unit][feed][watch]") {
  TestClock clock;
  const LinkWatch w(settings(true));
  auto link = live(clock.now());
  clock.advance(19999ms);
  CHECK(w.check(link, clock.now()).action == Action::None);
  clock.advance(1ms);
  REQUIRE(w.check(link, clock.now()).action == Action::Ping);
  link.last_ping = clock.now();  // as MarketFeed does on sending it
  link.awaiting_pong = clock.now();
  // A pong (any frame) clears the wait: the next ping is due 20 s later.
  clock.advance(5s);
  link.awaiting_pong.reset();
  link.last_rx = clock.now();
  CHECK(w.check(link, clock.now()).action == Action::None);
  clock.advance(15s);
  REQUIRE(w.check(link, clock.now()).action == Action::Ping);
  link.last_ping = clock.now();
  link.awaiting_pong = clock.now();
  // Nothing comes back: another ping at 20 s does not restart the wait; dead at 30 s.
  clock.advance(20s);
  REQUIRE(w.check(link, clock.now()).action == Action::Ping);
  link.last_ping = clock.now();
  clock.advance(9999ms);
  CHECK(w.check(link, clock.now()).action == Action::None);
  clock.advance(1ms);
  const auto v = w.check(link, clock.now());
  CHECK(v.action == Action::Dead);
  CHECK(v.why == "no data and no pong within 30 s of a ping");
}

TEST_CASE("LinkWatch: a Binance link with no frame at all for silence_timeout is dead (Bybit is judged by its pong)",
          "[unit][feed][watch]") {
  TestClock clock;
  const LinkWatch binance(settings(false));
  const LinkWatch bybit(settings(true));
  auto link = live(clock.now());
  clock.advance(59s);
  CHECK(binance.check(link, clock.now()).action == Action::None);
  link.last_rx = clock.now();  // a server ping counts
  clock.advance(59999ms);
  CHECK(binance.check(link, clock.now()).action == Action::None);
  clock.advance(1ms);
  const auto v = binance.check(link, clock.now());
  CHECK(v.action == Action::Dead);
  CHECK(v.why == "no frame for 60 s (the server pings every 20 s)");
  CHECK(bybit.check(link, clock.now()).action != Action::Dead);  // its rule is the pong
}

TEST_CASE("LinkWatch: LIVE without a trade for stale_after goes STALE and is recycled after reconnect_after_stale",
          "[unit][feed][watch]") {
  TestClock clock;
  const LinkWatch w(settings(true));
  const auto last_tick = clock.now();
  std::string why;
  clock.advance(4999ms);
  CHECK(w.staleness(FeedLinkState::Live, last_tick, clock.now(), why) == LinkWatch::Staleness::Fresh);
  clock.advance(1ms);
  CHECK(w.staleness(FeedLinkState::Live, last_tick, clock.now(), why) == LinkWatch::Staleness::GoStale);
  CHECK(why == "no trade for 5 s: STALE, trading paused until the next one");
  CHECK(w.staleness(FeedLinkState::Stale, last_tick, clock.now(), why) == LinkWatch::Staleness::Fresh);
  clock.advance(25s);
  CHECK(w.staleness(FeedLinkState::Stale, last_tick, clock.now(), why) == LinkWatch::Staleness::Recycle);
  CHECK(why == "no trade for 30 s (STALE): recycling the connection");
  // Only a LIVE feed goes STALE: connecting or down, there is nothing to judge.
  for (const auto s : {FeedLinkState::Connecting, FeedLinkState::Disconnected, FeedLinkState::Stopped})
    CHECK(w.staleness(s, last_tick, clock.now(), why) == LinkWatch::Staleness::Fresh);
}

TEST_CASE(
    "LinkWatch: a connection is rotated at rotate_after, once, and again only after a failed attempt's retry time",
    "[unit][feed][watch]") {
  TestClock clock;
  const LinkWatch w(settings(false));
  auto link = live(clock.now());
  const LinkWatch::Clock::time_point no_retry{};
  clock.advance(23h - 1ms);
  CHECK_FALSE(w.rotation_due(link, false, no_retry, clock.now()));
  clock.advance(1ms);
  CHECK(w.rotation_due(link, false, no_retry, clock.now()));
  CHECK_FALSE(w.rotation_due(link, true, no_retry, clock.now()));  // a replacement is being opened
  const auto retry_at = clock.now() + 5s;                          // it failed: try again in 5 s
  CHECK_FALSE(w.rotation_due(link, false, retry_at, clock.now()));
  clock.advance(5s);
  CHECK(w.rotation_due(link, false, retry_at, clock.now()));
  link.live = false;
  CHECK_FALSE(w.rotation_due(link, false, retry_at, clock.now()));
}
