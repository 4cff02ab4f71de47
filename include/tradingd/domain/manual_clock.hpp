#pragma once
#include "tradingd/domain/clock.hpp"

namespace tradingd {

// A clock that moves only when told to: unit tests set it by hand, and --replay
// advances it to each tick's timestamp. Owned and used by the io thread.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : now_(start_ms) {}
  [[nodiscard]] std::int64_t now_ms() const override { return now_; }
  void set(std::int64_t ms) { now_ = ms; }
  void advance(std::int64_t ms) { now_ += ms; }

 private:
  std::int64_t now_;
};

}  // namespace tradingd
