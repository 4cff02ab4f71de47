#pragma once
// RecordingSink: an in-memory RecordSink for unit tests of the Sniper.

#include <vector>

#include "tradingd/sniper/record_sink.hpp"

namespace tradingd::test {

class RecordingSink final : public RecordSink {
 public:
  void submit(JournalRecord&& record) override { records.push_back(std::move(record)); }
  [[nodiscard]] bool congested() const override { return congested_flag; }

  template <typename T>
  [[nodiscard]] std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& r : records)
      if (const auto* p = std::get_if<T>(&r)) out.push_back(*p);
    return out;
  }

  std::vector<JournalRecord> records;
  bool congested_flag = false;
};

}  // namespace tradingd::test
