#include "tradingd/domain/time_format.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace tradingd {
namespace {

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* first = text.data() + pos;
  const char* last = first + len;
  for (const char* c = first; c != last; ++c)
    if (*c < '0' || *c > '9') return false;
  return std::from_chars(first, last, out).ec == std::errc{};
}

}  // namespace

std::optional<std::int64_t> TimeFormat::parse_iso8601_ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+00:00|-00:00)  -- UTC only, as design.md §3 says.
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (t.size() < 20) return std::nullopt;
  if (!read_int(t, 0, 4, y) || t[4] != '-' || !read_int(t, 5, 2, mo) || t[7] != '-' || !read_int(t, 8, 2, d) ||
      (t[10] != 'T' && t[10] != ' ') || !read_int(t, 11, 2, h) || t[13] != ':' || !read_int(t, 14, 2, mi) ||
      t[16] != ':' || !read_int(t, 17, 2, s))
    return std::nullopt;
  std::size_t pos = 19;
  int millis = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (t[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  const std::string_view zone = t.substr(pos);
  if (zone != "Z" && zone != "+00:00" && zone != "-00:00") return std::nullopt;

  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  const auto days = sys_days{ymd}.time_since_epoch();
  return duration_cast<milliseconds>(days).count() + ((h * 60LL + mi) * 60LL + s) * 1000LL + millis;
}

std::string TimeFormat::to_iso8601(std::int64_t epoch_ms) {
  using namespace std::chrono;
  // Years 0000 to 9999 only: a time read from a hand-edited journal row could
  // be anything, and the calendar arithmetic below must not overflow on it.
  constexpr std::int64_t first_ms = -62'167'219'200'000;  // 0000-01-01T00:00:00.000Z
  constexpr std::int64_t last_ms = 253'402'300'799'999;   // 9999-12-31T23:59:59.999Z
  epoch_ms = std::clamp(epoch_ms, first_ms, last_ms);
  const sys_time<milliseconds> tp{milliseconds{epoch_ms}};
  const auto day_point = floor<days>(tp);
  const year_month_day ymd{day_point};
  const hh_mm_ss hms{tp - day_point};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::string TimeFormat::seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace tradingd
