#pragma once
// Clock: the source of "now" in epoch milliseconds for everything that decides
// on time (expiry sweeps, created_at defaults, journal timestamps). Injected so
// tests drive time by hand and --replay uses tick time.

#include <cstdint>

namespace tradingd {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::int64_t now_ms() const = 0;
};

}  // namespace tradingd
