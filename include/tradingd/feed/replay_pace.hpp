#pragma once
// ReplayPace: how replay time passes (design.md §12, `--clock`):
//  * max: as fast as the machine goes;
//  * speed:N: against the wall clock, N times market time (N > 0, finite);
//  * lockstep: only when the strategist advances it (POST /clock/advance).
// A pure policy: the wall time elapsed since the replay began is passed in, so
// unit tests drive it without waiting. Any thread; TradingSystem's replay
// uses it on the io thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tradingd {

class ReplayPace {
 public:
  enum class Mode : std::uint8_t { Max, Speed, Lockstep };

  static constexpr double max_speed = 1e9;

  // "max", "speed:N" or "lockstep"; nullopt for anything else (N ≤ 0, not
  // finite, over max_speed, trailing text).
  static std::optional<ReplayPace> parse(std::string_view text);
  static ReplayPace max() { return ReplayPace(Mode::Max, 0.0); }
  static ReplayPace lockstep() { return ReplayPace(Mode::Lockstep, 0.0); }
  static ReplayPace speed(double n) { return ReplayPace(Mode::Speed, n); }

  [[nodiscard]] Mode mode() const { return mode_; }
  [[nodiscard]] double factor() const { return speed_; }  // speed:N's N; 0 otherwise
  // As `--clock` takes it and GET /clock answers it: "max", "speed:20", "lockstep".
  [[nodiscard]] std::string name() const;

  // speed:N: the latest market time whose rows are due `elapsed` after a
  // replay that began at market time `first_ms`. max: every row is due
  // (INT64_MAX). lockstep: none by itself (INT64_MIN).
  [[nodiscard]] std::int64_t due_until(std::int64_t first_ms, std::chrono::nanoseconds elapsed) const;
  // speed:N: how long after `elapsed` a row at `row_ms` falls due (zero when
  // it is due already). max: zero. lockstep: never (nullopt).
  [[nodiscard]] std::optional<std::chrono::nanoseconds> wait_for(std::int64_t first_ms, std::int64_t row_ms,
                                                                 std::chrono::nanoseconds elapsed) const;

 private:
  ReplayPace(Mode mode, double speed) : mode_(mode), speed_(speed) {}
  Mode mode_;
  double speed_;
};

}  // namespace tradingd
