#pragma once
// ConditionParser turns conditions JSON (design.md §3, contract) into validated
// TradeConditions. A file that is not a JSON array is a ConfigError (exit 2);
// a condition that breaks a rule is refused on its own, with a message naming
// it and the field, and the others still load. Missing stop/take-profit take
// the [risk] defaults; a missing created_at is `now_ms`.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

class CoinTable;
struct RiskSettings;

struct ParsedConditions {
  std::vector<TradeCondition> accepted;
  std::vector<std::string> refused;  // one message per refused condition
};

class ConditionParser {
 public:
  ConditionParser(const CoinTable& coins, const RiskSettings& risk) : coins_(coins), risk_(risk) {}

  [[nodiscard]] ParsedConditions parse_file(const std::filesystem::path& path, std::int64_t now_ms) const;
  // `source` labels messages (a file name, or "request").
  [[nodiscard]] ParsedConditions parse_text(std::string_view json_text, std::string_view source,
                                            std::int64_t now_ms) const;

 private:
  const CoinTable& coins_;
  const RiskSettings& risk_;
};

}  // namespace tradingd
