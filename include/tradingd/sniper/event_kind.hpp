#pragma once
// EventKind: the kinds of the journal's `events` rows (docs/journal.md), one
// spelling each. The journal writes to_string(kind); `GET /events?kinds=`
// reads them back with parse_event_kind(). Any thread (pure functions).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

enum class EventKind : std::uint8_t {
  Startup,
  Shutdown,
  BalanceSet,
  ConditionArmed,
  ConditionRefused,
  ConditionExpired,
  ConditionRejected,
  ConditionCancelled,
  PositionOpened,
  PositionClosed,
  Halt,
  Resume,
  FeedState,
  TimeShift,  // a replay's --shift-time-to (design.md §12): every time in this journal is moved by it
};

// Every kind, in the order the API lists them.
inline constexpr std::array<EventKind, 14> all_event_kinds = {EventKind::Startup,
                                                              EventKind::Shutdown,
                                                              EventKind::BalanceSet,
                                                              EventKind::ConditionArmed,
                                                              EventKind::ConditionRefused,
                                                              EventKind::ConditionExpired,
                                                              EventKind::ConditionRejected,
                                                              EventKind::ConditionCancelled,
                                                              EventKind::PositionOpened,
                                                              EventKind::PositionClosed,
                                                              EventKind::Halt,
                                                              EventKind::Resume,
                                                              EventKind::FeedState,
                                                              EventKind::TimeShift};

[[nodiscard]] std::string_view to_string(EventKind kind);
[[nodiscard]] std::optional<EventKind> parse_event_kind(std::string_view text);
// The event of a condition that left ACTIVE without a position: EXPIRED,
// REJECTED or CANCELLED (ACTIVE and TRIGGERED have none: arming and opening
// have their own).
[[nodiscard]] EventKind condition_finished_event(ConditionStatus status);

}  // namespace tradingd
