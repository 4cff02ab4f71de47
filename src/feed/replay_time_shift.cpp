#include "tradingd/feed/replay_time_shift.hpp"

#include "tradingd/config/config_error.hpp"
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

void ReplayTimeShift::move(ReplayTick& row, std::int64_t shift_ms) {
  row.ts_ms += shift_ms;
  row.ts_us += shift_ms * 1000;
  row.quote.ts_ms += shift_ms;
  if (!TimeFormat::in_range(row.ts_ms))
    throw ConfigError({"a row at " + std::to_string(row.ts_ms - shift_ms) + " ms moved by --shift-time-to (" +
                       std::to_string(shift_ms) + " ms) leaves the years 1970 to 9999"});
}

}  // namespace tradingd
