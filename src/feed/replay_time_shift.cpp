#include "tradingd/feed/replay_time_shift.hpp"

#include "tradingd/domain/time_format.hpp"

namespace tradingd {
namespace {

constexpr std::int64_t day_ms = 86'400'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

std::optional<ReplayTimeShift> ReplayTimeShift::parse(std::string_view text) {
  const bool date_only = text.size() == 10;
  const auto ms = TimeFormat::parse_iso8601_ms(date_only ? std::string(text) + "T00:00:00Z" : std::string(text));
  if (!ms || !TimeFormat::in_range(*ms)) return std::nullopt;
  return ReplayTimeShift(*ms, date_only, std::string(text));
}

std::int64_t ReplayTimeShift::shift_for(std::int64_t first_ms) const {
  if (!whole_days_) return target_ms_ - first_ms;
  return target_ms_ - floor_div(first_ms, day_ms) * day_ms;
}

}  // namespace tradingd
