#pragma once
// FailoverPolicy: which exchange drives the Sniper (design.md §8), as a pure
// rule of the time and the two links' states. FeedSupervisor feeds it what
// its feeds report and applies what it decides (starting and stopping the
// fallback, switching the driver, logging the reason); tests drive it with a
// test clock, no sockets.
//  * The primary drives from the start. Once it has not been LIVE for
//    `failover_after`, the fallback is started, and it drives once it is live.
//  * A primary that comes back is trusted again only once it has stayed live
//    for `failover_after`: until then its down time adds up across
//    reconnects, so one that connects, sends a burst and stalls again (a
//    flapping primary) is failed over however briefly it looks live each time.
//  * If the primary stays live long enough before the fallback is live, the
//    fallback is stopped again.
//  * While the fallback drives, the primary drives again once it has been live
//    for `failback_after`, or at once if the fallback is down while it is live.
// Not thread-safe: owned by one FeedSupervisor on the io thread.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace tradingd {

class FailoverPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    std::chrono::milliseconds failover_after{10000};
    std::chrono::milliseconds failback_after{60000};
    bool has_fallback = false;
    std::string primary_name = "primary";  // in the reasons given
    std::string fallback_name = "fallback";
  };
  static constexpr std::size_t primary = 0, fallback = 1;

  // What to do now, applied in this order: drive, stop, start. (The driver
  // changes before the fallback stops, so the listener never hears the
  // stopping fallback's state as the driving one.)
  struct Decision {
    // Stop the fallback: the primary proved itself before the fallback took
    // over (`drive` empty), or the primary drives again (`drive` = primary).
    bool stop_fallback = false;
    bool start_fallback = false;       // connect the fallback: the primary has been down too long
    std::optional<std::size_t> drive;  // switch the driver to this feed
    std::string why;                   // why the fallback starts or the driver changes, for the log
    [[nodiscard]] bool none() const { return !stop_fallback && !start_fallback && !drive; }
  };

  explicit FailoverPolicy(Settings settings);

  // The primary starts connecting now: its down clock starts.
  void start(Clock::time_point now);
  // Called at least every 100 ms and on every change of a link's state.
  [[nodiscard]] Decision evaluate(Clock::time_point now, bool primary_live, bool fallback_live);

  [[nodiscard]] std::size_t driver() const { return driver_; }
  [[nodiscard]] bool fallback_running() const { return fallback_running_; }
  // The primary's down time that counts towards a failover, as of `now`.
  [[nodiscard]] Clock::duration primary_down(Clock::time_point now) const;

 private:
  Settings settings_;
  std::size_t driver_ = primary;
  bool fallback_running_ = false;
  std::optional<Clock::time_point> primary_down_since_;
  std::optional<Clock::time_point> primary_live_since_;
  // Down time of the primary since it last stayed live for failover_after,
  // summed over the stretches before the current one (primary_down_since_).
  Clock::duration primary_down_before_{};
  int primary_short_lives_ = 0;     // reconnects in that time that did not last
  bool primary_ever_live_ = false;  // the start-up connect is not a drop
};

}  // namespace tradingd
