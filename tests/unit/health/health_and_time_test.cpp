#include <catch2/catch.hpp>
#include <cstdint>

#include "tradingd/domain/time_format.hpp"
#include "tradingd/health/health_monitor.hpp"

using namespace tradingd;

TEST_CASE("the health line has the exact contract format", "[unit][health]") {
  CHECK(HealthMonitor::format_line(3, 1, FeedState::Ok, "bybit", 412.4, 1000.0) ==
        "Conditions: 3 | Positions: 1 | Feed: OK (bybit) | Ticks/s: 412 | Balance: 1000.00");
  CHECK(HealthMonitor::format_line(0, 0, FeedState::Stale, "bybit", 0, 999.996) ==
        "Conditions: 0 | Positions: 0 | Feed: STALE | Ticks/s: 0 | Balance: 1000.00");
  CHECK(HealthMonitor::format_line(2, 5, FeedState::Disconnected, "", 0, 12.345) ==
        "Conditions: 2 | Positions: 5 | Feed: DISCONNECTED | Ticks/s: 0 | Balance: 12.35");
}

TEST_CASE("ISO-8601 UTC parses to epoch ms and back", "[unit][time]") {
  CHECK(TimeFormat::parse_iso8601_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(TimeFormat::parse_iso8601_ms("2025-11-26T12:00:00Z") == 1'764'158'400'000);
  CHECK(TimeFormat::parse_iso8601_ms("2025-11-26T12:00:00.5Z") == 1'764'158'400'500);
  CHECK(TimeFormat::parse_iso8601_ms("2025-11-26T12:00:00.123456Z") == 1'764'158'400'123);
  CHECK(TimeFormat::parse_iso8601_ms("2025-11-26T12:00:00+00:00") == 1'764'158'400'000);
  CHECK(TimeFormat::parse_iso8601_ms("2024-02-29T00:00:00Z").has_value());
  CHECK_FALSE(TimeFormat::parse_iso8601_ms("2025-02-29T00:00:00Z").has_value());
  CHECK_FALSE(TimeFormat::parse_iso8601_ms("2025-11-26T12:00:00+01:00").has_value());  // UTC only
  CHECK_FALSE(TimeFormat::parse_iso8601_ms("2025-11-26T12:00:00").has_value());
  CHECK_FALSE(TimeFormat::parse_iso8601_ms("2025-11-26T25:00:00Z").has_value());
  CHECK_FALSE(TimeFormat::parse_iso8601_ms("tomorrow").has_value());
  CHECK(TimeFormat::to_iso8601(1'764'158'400'250) == "2025-11-26T12:00:00.250Z");
  // A time from a hand-edited journal row: shown at the calendar's ends, never overflowing.
  CHECK(TimeFormat::to_iso8601(INT64_MAX) == "9999-12-31T23:59:59.999Z");
  CHECK(TimeFormat::to_iso8601(INT64_MIN) == "0000-01-01T00:00:00.000Z");
  CHECK(TimeFormat::to_iso8601(-1) == "1969-12-31T23:59:59.999Z");
}
