#pragma once
// EpochTime: an archive's time text as epoch microseconds, its unit told per
// value by magnitude (design.md §10 "Time"): µs ≥ 10^14 > ms ≥ 10^11 > seconds,
// since one format can change units on a date (Binance spot went from ms to µs
// on 2025-01-01) and Bybit's derivatives archives give seconds with a
// fraction. Digits, optionally '.' and more digits; nothing else. Any thread.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tradingd/domain/time_format.hpp"

namespace tradingd {

class EpochTime {
 public:
  static constexpr std::int64_t micros_from = 100'000'000'000'000;  // 10^14
  static constexpr std::int64_t millis_from = 100'000'000'000;      // 10^11
  // 9999-12-31T23:59:59.999999Z: the last microsecond a time may be.
  static constexpr std::int64_t max_us = TimeFormat::max_epoch_ms * 1000 + 999;

  // The time in µs (a finer fraction floored), or nullopt for text that is
  // not such a number or a time outside 1970..9999.
  [[nodiscard]] static std::optional<std::int64_t> parse_us(std::string_view text) noexcept;
  // The engine's clock: epoch ms, floored.
  [[nodiscard]] static constexpr std::int64_t to_ms(std::int64_t us) noexcept { return us / 1000; }
};

}  // namespace tradingd
