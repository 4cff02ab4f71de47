#pragma once
#include "tradingd/domain/clock.hpp"

namespace tradingd {

// Wall-clock time (std::chrono::system_clock), for live operation.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now_ms() const override;
};

}  // namespace tradingd
