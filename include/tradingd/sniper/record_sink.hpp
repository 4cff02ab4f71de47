#pragma once
// RecordSink: where the Sniper sends its journal records. TradeJournal is the
// real one; tests use an in-memory sink. Called on the io thread only.

#include "tradingd/sniper/journal_record.hpp"

namespace tradingd {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Takes the record; never drops it and never blocks.
  virtual void submit(JournalRecord&& record) = 0;
  // True while the sink is near its bound: the Sniper then opens no new
  // positions (conditions stay armed) until it drains. Exits still go through.
  [[nodiscard]] virtual bool congested() const = 0;
};

}  // namespace tradingd
