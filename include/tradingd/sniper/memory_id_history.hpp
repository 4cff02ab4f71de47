#pragma once
// MemoryIdHistory: the id history as a set in memory, for a Sniper without a
// journal (unit tests, benchmarks). Grows with every id armed: the daemon uses
// JournalIdHistory instead.

#include <string>
#include <string_view>
#include <unordered_set>

#include "tradingd/sniper/id_history.hpp"

namespace tradingd {

class MemoryIdHistory final : public IdHistory {
 public:
  [[nodiscard]] bool contains(std::string_view id) const override { return ids_.count(std::string(id)) != 0; }
  void add(const std::string& id) override { ids_.insert(id); }

 private:
  std::unordered_set<std::string> ids_;
};

}  // namespace tradingd
