// Conditions JSON (a file or a POST /conditions body) into ConditionParser:
// either a ConfigError naming the source, or accepted conditions that pass
// their own validation and refusal messages that are one safe line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/text_guard.hpp"

namespace {
bool one_safe_line(std::string_view s) {
  if (tradingd::TextGuard::invalid_utf8_at(s)) return false;
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tradingd;
  static const CoinTable coins({"BTC", "ETH"});
  static const RiskSettings risk;
  static const ConditionParser parser(coins, risk);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto parsed = parser.parse_text(text, "fuzz.json", 1'764'158'400'000);
    for (const auto& c : parsed.accepted)
      if (c.validate(coins)) std::abort();
    for (const auto& m : parsed.refused)
      if (!one_safe_line(m)) std::abort();
  } catch (const ConfigError& e) {
    for (const auto& m : e.errors())
      if (!one_safe_line(m)) std::abort();
  }
  return 0;
}
