#include "tradingd/sniper/event_kind.hpp"

namespace tradingd {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::Startup:
      return "STARTUP";
    case EventKind::Shutdown:
      return "SHUTDOWN";
    case EventKind::BalanceSet:
      return "BALANCE_SET";
    case EventKind::ConditionArmed:
      return "CONDITION_ARMED";
    case EventKind::ConditionRefused:
      return "CONDITION_REFUSED";
    case EventKind::ConditionExpired:
      return "CONDITION_EXPIRED";
    case EventKind::ConditionRejected:
      return "CONDITION_REJECTED";
    case EventKind::ConditionCancelled:
      return "CONDITION_CANCELLED";
    case EventKind::PositionOpened:
      return "POSITION_OPENED";
    case EventKind::PositionClosed:
      return "POSITION_CLOSED";
    case EventKind::Halt:
      return "HALT";
    case EventKind::Resume:
      return "RESUME";
    case EventKind::FeedState:
      return "FEED_STATE";
    case EventKind::TimeShift:
      return "TIME_SHIFT";
  }
  return "UNKNOWN";
}

std::optional<EventKind> parse_event_kind(std::string_view text) {
  for (const EventKind k : all_event_kinds)
    if (to_string(k) == text) return k;
  return std::nullopt;
}

EventKind condition_finished_event(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::Expired:
      return EventKind::ConditionExpired;
    case ConditionStatus::Rejected:
      return EventKind::ConditionRejected;
    default:  // Cancelled; ACTIVE and TRIGGERED never finish a condition this way
      return EventKind::ConditionCancelled;
  }
}

}  // namespace tradingd
