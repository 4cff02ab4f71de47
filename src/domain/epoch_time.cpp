#include "tradingd/domain/epoch_time.hpp"

namespace tradingd {

std::optional<std::int64_t> EpochTime::parse_us(std::string_view text) noexcept {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 18 || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  std::int64_t w = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    w = w * 10 + (c - '0');
  }
  // The unit by magnitude, and how many µs one unit of it is.
  const std::int64_t unit = w >= micros_from ? 1 : w >= millis_from ? 1000 : 1'000'000;
  if (w > max_us / unit) return std::nullopt;
  std::int64_t us = w * unit;
  // The fraction of one unit, to whole µs: digits past the µs are floored.
  std::int64_t scale = unit;
  for (const char c : frac) {
    if (c < '0' || c > '9') return std::nullopt;
    scale /= 10;
    us += (c - '0') * scale;  // 0 once the digits pass the µs
  }
  if (us > max_us) return std::nullopt;
  return us;
}

}  // namespace tradingd
