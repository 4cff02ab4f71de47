#pragma once
// PriceRule: what a price is (design.md §4 step 1). A real price is a finite
// number with 1e-12 <= p <= 1e12: never NaN, infinite, zero, negative or
// subnormal. Every door applies it — feed trades and quotes, replay rows,
// trigger prices from the API and conditions files, recovered journal rows —
// so that the accounting of §4.4 (qty = size / e, fees, P&L, balance) only
// ever meets numbers whose products and quotients stay finite: with sizes of
// at most 1e12 USD, qty <= 1e24 and |P&L| <= 1e36. Any thread; constexpr.

namespace tradingd {

class PriceRule {
 public:
  static constexpr double min_price = 1e-12;
  static constexpr double max_price = 1e12;
  // Also false for NaN: every comparison with it is false.
  [[nodiscard]] static constexpr bool real(double p) noexcept { return p >= min_price && p <= max_price; }
  // The rule in words, for refusals: "must be a real price (finite, from 1e-12 to 1e12)".
  static constexpr const char* words = "a real price (finite, from 1e-12 to 1e12)";
};

}  // namespace tradingd
