#pragma once
// JournalEvent: one committed `events` row, as the writer thread hands it to
// whoever listens (the control API's event stream, on the io thread) and as a
// replay reads it back from disk. Both give the same values for a row, so a
// client resuming from the journal sees exactly what a live client saw.

#include <cstdint>
#include <string>

namespace tradingd {

struct JournalEvent {
  std::int64_t seq = 0;  // the row's `seq`: increasing, never reused
  std::int64_t ts_ms = 0;
  std::string kind;         // CONDITION_ARMED, POSITION_CLOSED, HALT, ...
  std::string ref_id;       // the condition or trade it is about; "" for none
  std::string strategy_id;  // the strategy of that condition or trade; "" for none
  std::string detail_json;  // a JSON object
};

}  // namespace tradingd
