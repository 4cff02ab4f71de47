// ReplayPace (design.md §12 --clock): parsing and the pacing arithmetic,
// driven by elapsed times passed in, with no waiting.

#include <catch2/catch.hpp>

#include <chrono>
#include <limits>

#include "tradingd/feed/replay_pace.hpp"
#include "tradingd/feed/replay_time_shift.hpp"

using tradingd::ReplayPace;
using namespace std::chrono_literals;

TEST_CASE("ReplayPace reads max, speed:N and lockstep and refuses the rest", "[replay_pace]") {
  REQUIRE(ReplayPace::parse("max")->mode() == ReplayPace::Mode::Max);
  REQUIRE(ReplayPace::parse("lockstep")->mode() == ReplayPace::Mode::Lockstep);
  const auto s = ReplayPace::parse("speed:20");
  REQUIRE(s);
  CHECK(s->mode() == ReplayPace::Mode::Speed);
  CHECK(s->factor() == 20.0);
  CHECK(s->name() == "speed:20");
  CHECK(ReplayPace::parse("speed:0.5")->name() == "speed:0.5");
  CHECK(ReplayPace::parse("max")->name() == "max");
  CHECK(ReplayPace::parse("lockstep")->name() == "lockstep");
  for (const char* bad : {"", "MAX", "speed", "speed:", "speed:0", "speed:-1", "speed:nan", "speed:inf", "speed:2x",
                          "speed: 2", "speed:1e10", "lockstep ", "fast"}) {
    INFO(bad);
    CHECK_FALSE(ReplayPace::parse(bad));
  }
}

TEST_CASE("speed:N makes rows due at N times market time", "[replay_pace]") {
  const auto pace = ReplayPace::speed(10);
  const std::int64_t first = 1'700'000'000'000;
  CHECK(pace.due_until(first, 0ms) == first);
  CHECK(pace.due_until(first, 100ms) == first + 1000);  // 0.1 s of wall time: 1 s of market
  CHECK(pace.due_until(first, 1s) == first + 10'000);
  // A row 5 s of market after the first is due 0.5 s in: 0.2 s to go at 0.3 s.
  CHECK(*pace.wait_for(first, first + 5000, 300ms) == 200ms);
  CHECK(*pace.wait_for(first, first + 5000, 600ms) == 0ns);
  CHECK(*pace.wait_for(first, first, 0ms) == 0ns);
  // Slower than market time works too.
  const auto half = ReplayPace::speed(0.5);
  CHECK(half.due_until(first, 2s) == first + 1000);
  CHECK(*half.wait_for(first, first + 1000, 0ms) == 2s);
}

TEST_CASE("max makes every row due at once and lockstep none", "[replay_pace]") {
  const std::int64_t first = 1'700'000'000'000;
  CHECK(ReplayPace::max().due_until(first, 0ms) == std::numeric_limits<std::int64_t>::max());
  CHECK(*ReplayPace::max().wait_for(first, first + 3'600'000, 0ms) == 0ns);
  CHECK(ReplayPace::lockstep().due_until(first, 1h) == std::numeric_limits<std::int64_t>::min());
  CHECK_FALSE(ReplayPace::lockstep().wait_for(first, first, 1h));
}

TEST_CASE("shift-time-to: a date keeps the time of day, a timestamp moves the first row to it", "[replay_pace]") {
  using tradingd::ReplayTimeShift;
  const std::int64_t first = 1'764'158'400'000 + 3'723'456;  // 2025-11-26T13:02:03.456Z
  const auto day = ReplayTimeShift::parse("2031-03-04");
  REQUIRE(day);
  // 2031-03-04T13:02:03.456Z
  CHECK(first + day->shift_for(first) == 1'930'395'723'456);
  CHECK(day->shift_for(first) % 86'400'000 == 0);
  const auto instant = ReplayTimeShift::parse("2031-03-04T00:00:00Z");
  REQUIRE(instant);
  CHECK(first + instant->shift_for(first) == 1'930'348'800'000);
  // Backwards works as well: the shift is negative.
  CHECK(ReplayTimeShift::parse("2001-01-01")->shift_for(first) < 0);
  for (const char* bad : {"", "2031-3-4", "2031-02-30", "tomorrow", "2031-03-04T00:00:00", "10000-01-01",
                          "2031-03-04T25:00:00Z", "1969-12-31"}) {
    INFO(bad);
    CHECK_FALSE(ReplayTimeShift::parse(bad));
  }
}
