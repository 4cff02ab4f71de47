#pragma once
// CoinTable maps configured coin names to small dense ids once at start-up, so
// the hot path indexes arrays instead of hashing strings. Immutable after
// construction; safe to read from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tradingd {

using CoinId = std::uint16_t;

class CoinTable {
 public:
  CoinTable() = default;
  explicit CoinTable(std::vector<std::string> coins);

  [[nodiscard]] std::optional<CoinId> find(std::string_view coin) const;
  [[nodiscard]] const std::string& name(CoinId id) const { return names_.at(id); }
  [[nodiscard]] std::size_t size() const { return names_.size(); }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

}  // namespace tradingd
