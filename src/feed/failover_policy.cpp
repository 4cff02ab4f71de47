#include "tradingd/feed/failover_policy.hpp"

#include <fmt/format.h>

#include <utility>

#include "tradingd/domain/time_format.hpp"

namespace tradingd {

FailoverPolicy::FailoverPolicy(Settings settings) : settings_(std::move(settings)) {}

void FailoverPolicy::start(Clock::time_point now) {
  primary_down_since_ = now;
}

FailoverPolicy::Clock::duration FailoverPolicy::primary_down(Clock::time_point now) const {
  return primary_down_before_ + (primary_down_since_ ? now - *primary_down_since_ : Clock::duration{});
}

FailoverPolicy::Decision FailoverPolicy::evaluate(Clock::time_point now, bool primary_live, bool fallback_live) {
  Decision d;
  const auto failover_after = settings_.failover_after;
  if (primary_live) {
    if (!primary_live_since_) {
      primary_live_since_ = now;
      if (primary_down_since_ && primary_ever_live_) {
        primary_down_before_ += now - *primary_down_since_;
        ++primary_short_lives_;
      }
      primary_down_since_.reset();
      primary_ever_live_ = true;
    }
    if (now - *primary_live_since_ >= failover_after) {
      primary_down_before_ = Clock::duration::zero();
      primary_short_lives_ = 0;
    }
  } else {
    primary_live_since_.reset();
    if (!primary_down_since_) primary_down_since_ = now;
  }
  if (!settings_.has_fallback) return d;

  if (driver_ == primary) {
    if (primary_live && primary_down_before_ == Clock::duration::zero() && fallback_running_) {
      fallback_running_ = false;
      d.stop_fallback = true;
      d.why = fmt::format("{} is live again before {} took over", settings_.primary_name, settings_.fallback_name);
    }
    const auto down = primary_down(now);
    if (primary_live || down < failover_after) return d;
    d.why =
        primary_short_lives_ == 0
            ? fmt::format("{} has not been live for {}", settings_.primary_name, TimeFormat::seconds(down))
            : fmt::format("{} has been down {} in all since it last stayed live for {} ({} short-lived connection{})",
                          settings_.primary_name, TimeFormat::seconds(down), TimeFormat::seconds(failover_after),
                          primary_short_lives_, primary_short_lives_ == 1 ? "" : "s");
    if (!fallback_running_) {
      fallback_running_ = true;
      d.start_fallback = true;
    } else if (fallback_live) {
      driver_ = fallback;
      d.drive = fallback;
    }
    return d;
  }

  // The fallback drives: back as soon as the primary has proven itself, or at
  // once if the fallback itself is down while the primary is live.
  if (primary_live && (now - *primary_live_since_ >= settings_.failback_after || !fallback_live)) {
    d.why = fallback_live ? fmt::format("live again for {}", TimeFormat::seconds(now - *primary_live_since_))
                          : fmt::format("{} is down and {} is live", settings_.fallback_name, settings_.primary_name);
    driver_ = primary;
    d.drive = primary;
    fallback_running_ = false;
    d.stop_fallback = true;
  }
  return d;
}

}  // namespace tradingd
