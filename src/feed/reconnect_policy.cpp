#include "tradingd/feed/reconnect_policy.hpp"

#include <algorithm>

namespace tradingd {

ReconnectPolicy::ReconnectPolicy(Limits limits, std::uint64_t seed) : limits_(limits), rng_(seed) {}

void ReconnectPolicy::on_attempt(Clock::time_point now) {
  attempts_.push_back(now);
  (void)attempts_in_window(now);  // drops the expired ones
}

void ReconnectPolicy::on_live(Clock::time_point now) {
  live_since_ = now;
}

std::size_t ReconnectPolicy::attempts_in_window(Clock::time_point now) {
  while (!attempts_.empty() && now - attempts_.front() >= limits_.window) attempts_.pop_front();
  return attempts_.size();
}

ReconnectPolicy::Duration ReconnectPolicy::ceiling() const {
  // initial * 2^streak without overflow: stop doubling once past max.
  Duration c = limits_.initial;
  for (unsigned i = 0; i < streak_ && c < limits_.max; ++i) c *= 2;
  return std::min(c, limits_.max);
}

ReconnectPolicy::Duration ReconnectPolicy::next_delay(Clock::time_point now) {
  if (live_since_ && now - *live_since_ >= limits_.reset_after) streak_ = 0;
  live_since_.reset();
  const Duration cap = ceiling();
  std::uniform_int_distribution<Duration::rep> jitter(0, cap.count());
  Duration delay(jitter(rng_));
  ++streak_;

  if (attempts_in_window(now) >= limits_.max_attempts) {
    const auto free_at = attempts_.front() + limits_.window;
    delay = std::max(delay, std::chrono::ceil<Duration>(free_at - now));
  }
  return delay;
}

}  // namespace tradingd
