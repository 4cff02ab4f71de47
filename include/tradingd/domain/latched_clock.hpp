#pragma once
// LatchedClock: a clock that can be held still for the length of one input.
// While a session is recorded (design.md §11), the io thread latches the clock
// as it begins applying an input, so every read of "now" made while applying
// it (a fill's quote age, a record's timestamp, each close of a flatten) sees
// the one value that is recorded with the input, and a replay that sets its
// clock to that value computes exactly what the live run did. Unlatched, it
// reads the clock it wraps. io thread only.

#include <cstdint>

#include "tradingd/domain/clock.hpp"

namespace tradingd {

class LatchedClock final : public Clock {
 public:
  explicit LatchedClock(const Clock& base) : base_(base) {}
  [[nodiscard]] std::int64_t now_ms() const override { return depth_ ? latched_ : base_.now_ms(); }

  // Holds the clock at its value now (or keeps the value an outer latch holds)
  // and returns it. Every latch() is paired with a release().
  std::int64_t latch() {
    if (depth_++ == 0) latched_ = base_.now_ms();
    return latched_;
  }
  // Holds the clock at `value`, read from the wrapped clock by the caller (a
  // feed reads it once a frame), or keeps an outer latch's value.
  std::int64_t latch_at(std::int64_t value) {
    if (depth_++ == 0) latched_ = value;
    return latched_;
  }
  void release() { --depth_; }

 private:
  const Clock& base_;
  std::int64_t latched_ = 0;
  int depth_ = 0;
};

}  // namespace tradingd
