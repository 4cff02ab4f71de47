#pragma once
// ReplayTimeShift: `--shift-time-to DATE` (design.md §12, issue 23): every
// market time of a replay moved by one constant, so that a strategist (an LLM
// that may remember what came next on a date it was trained on) sees another
// date. A date (YYYY-MM-DD) moves the first row to that day at the same time
// of day (a whole number of days); a timestamp (ISO-8601 UTC) moves the first
// row to exactly that instant. Pure: any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tradingd/feed/replay_tick.hpp"

namespace tradingd {

class ReplayTimeShift {
 public:
  // nullopt unless `text` is YYYY-MM-DD or an ISO-8601 UTC timestamp from 1970 to 9999.
  static std::optional<ReplayTimeShift> parse(std::string_view text);

  // The constant added to every row's time of a replay whose first row is at `first_ms`.
  [[nodiscard]] std::int64_t shift_for(std::int64_t first_ms) const;
  [[nodiscard]] const std::string& text() const { return text_; }
  // A row's times moved by `shift_ms` (its quote's stamp too). Throws
  // ConfigError when that leaves the years 1970 to 9999 (a bad row, design.md §10).
  static void move(ReplayTick& row, std::int64_t shift_ms);

 private:
  ReplayTimeShift(std::int64_t target_ms, bool whole_days, std::string text)
      : target_ms_(target_ms), whole_days_(whole_days), text_(std::move(text)) {}
  std::int64_t target_ms_;
  bool whole_days_;  // a date: keep the time of day
  std::string text_;
};

}  // namespace tradingd
