#pragma once
// Conversions between epoch milliseconds and ISO-8601 UTC text
// ("2026-11-26T12:05:00Z", "2026-11-26T12:05:00.250Z", "+00:00" offsets too),
// and durations as log lines show them ("0.5 s", "12.25 s").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tradingd {

class TimeFormat {
 public:
  // The last millisecond ISO-8601 prints with four year digits: 9999-12-31T23:59:59.999Z.
  // Times from outside (conditions, replay rows) are refused beyond it.
  static constexpr std::int64_t max_epoch_ms = 253'402'300'799'999;
  // Whether `ms` is such a time: 1970 to 9999, never the int64 edge.
  [[nodiscard]] static constexpr bool in_range(std::int64_t ms) { return ms >= 0 && ms <= max_epoch_ms; }

  [[nodiscard]] static std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);
  [[nodiscard]] static std::string to_iso8601(std::int64_t epoch_ms);
  // Millisecond precision, shortest form: "0.5 s", "30 s", "1.234 s".
  [[nodiscard]] static std::string seconds(std::chrono::milliseconds d);
  // Any other duration (a steady clock's), truncated to milliseconds first.
  template <class Rep, class Period>
  [[nodiscard]] static std::string seconds(std::chrono::duration<Rep, Period> d) {
    return seconds(std::chrono::duration_cast<std::chrono::milliseconds>(d));
  }
};

}  // namespace tradingd
