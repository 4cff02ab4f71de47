#include "tradingd/feed/replay_pace.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace tradingd {

std::optional<ReplayPace> ReplayPace::parse(std::string_view text) {
  if (text == "max") return max();
  if (text == "lockstep") return lockstep();
  constexpr std::string_view prefix = "speed:";
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view number = text.substr(prefix.size());
  double n = 0.0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (ec != std::errc() || end != number.data() + number.size() || number.empty()) return std::nullopt;
  // Bounded: the pacing multiplies elapsed seconds by it into milliseconds.
  if (!std::isfinite(n) || !(n > 0.0) || n > max_speed) return std::nullopt;
  return speed(n);
}

std::string ReplayPace::name() const {
  switch (mode_) {
    case Mode::Max:
      return "max";
    case Mode::Lockstep:
      return "lockstep";
    case Mode::Speed: {
      char buf[64];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, speed_);
      return "speed:" + std::string(buf, ec == std::errc() ? end : buf);
    }
  }
  return "max";
}

std::int64_t ReplayPace::due_until(std::int64_t first_ms, std::chrono::nanoseconds elapsed) const {
  switch (mode_) {
    case Mode::Max:
      return std::numeric_limits<std::int64_t>::max();
    case Mode::Lockstep:
      return std::numeric_limits<std::int64_t>::min();
    case Mode::Speed:
      break;
  }
  const double market_ms = std::chrono::duration<double, std::milli>(elapsed).count() * speed_;
  // Saturates rather than overflows: a replay a century long at 1e9x.
  const double until = static_cast<double>(first_ms) + std::floor(market_ms);
  if (until >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(until);
}

std::optional<std::chrono::nanoseconds> ReplayPace::wait_for(std::int64_t first_ms, std::int64_t row_ms,
                                                             std::chrono::nanoseconds elapsed) const {
  switch (mode_) {
    case Mode::Max:
      return std::chrono::nanoseconds::zero();
    case Mode::Lockstep:
      return std::nullopt;
    case Mode::Speed:
      break;
  }
  const double due_ns = static_cast<double>(row_ms - first_ms) * 1e6 / speed_;
  const double left = due_ns - static_cast<double>(elapsed.count());
  if (left <= 0) return std::chrono::nanoseconds::zero();
  // Rounded up: woken at or after the row's time, never a spin just before it.
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(std::min(left, 9.0e18))));
}

}  // namespace tradingd
