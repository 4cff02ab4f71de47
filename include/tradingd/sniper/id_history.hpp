#pragma once
// IdHistory: every condition id ever armed, which design.md §3 forbids reusing.
// The Sniper asks it on arm() and tells it what it armed; the io thread only,
// never per tick. Kept out of the Sniper because the history of a long-lived
// journal outgrows memory: the daemon asks the journal (JournalIdHistory),
// tests and benches keep a set (MemoryIdHistory).

#include <string>
#include <string_view>

namespace tradingd {

class IdHistory {
 public:
  virtual ~IdHistory() = default;
  [[nodiscard]] virtual bool contains(std::string_view id) const = 0;
  // Called just before the condition's ConditionArmed record is submitted.
  virtual void add(const std::string& id) = 0;
};

}  // namespace tradingd
