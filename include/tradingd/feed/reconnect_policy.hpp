#pragma once
// ReconnectPolicy: when to try the next connection to one exchange.
//  * Exponential backoff with full jitter: the n-th retry in a row waits a
//    uniform random time in [0, min(max, initial * 2^n)], so many clients (or
//    one flapping link) never retry in lockstep.
//  * The streak resets only after a connection stayed live for `reset_after`,
//    so a link that connects and drops at once keeps backing off.
//  * Connection attempts per `window` never exceed `max_attempts` (kept below
//    the exchange's own limit, which bans the IP when crossed): if the window
//    is full, the delay stretches until its oldest attempt leaves it.
// Time is passed in, so tests drive it with a manual clock. Not thread-safe:
// owned by one MarketFeed on the io thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>

namespace tradingd {

class ReconnectPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = std::chrono::milliseconds;

  struct Limits {
    Duration initial{500};
    Duration max{30000};
    Duration reset_after{300000};
    Duration window{300000};
    std::size_t max_attempts = 240;
  };

  ReconnectPolicy(Limits limits, std::uint64_t seed);

  // A connection attempt starts now.
  void on_attempt(Clock::time_point now);
  // The connection became live (subscribed) now.
  void on_live(Clock::time_point now);
  // The connection failed or was lost now: how long to wait before the next attempt.
  Duration next_delay(Clock::time_point now);

  // The backoff ceiling the next failure would draw under (for logs and tests).
  [[nodiscard]] Duration ceiling() const;
  [[nodiscard]] std::size_t attempts_in_window(Clock::time_point now);
  [[nodiscard]] const Limits& limits() const { return limits_; }

 private:
  Limits limits_;
  std::mt19937_64 rng_;
  unsigned streak_ = 0;  // failures since the last stable connection
  std::optional<Clock::time_point> live_since_;
  std::deque<Clock::time_point> attempts_;
};

}  // namespace tradingd
