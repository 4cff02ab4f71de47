#pragma once
// FixedString<N>: an inline, bounded string for the hot path. Ids that travel
// from a fired condition into a journal record are copied into these, so a
// trade opening or closing never touches the heap.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tradingd {

template <std::size_t N>
class FixedString {
  static_assert(N > 0 && N < 256, "length is stored in one byte");

 public:
  constexpr FixedString() = default;
  // Truncates to N characters; callers validate lengths before values get here.
  constexpr FixedString(std::string_view s) { assign(s); }  // NOLINT: implicit on purpose
  FixedString(const std::string& s) { assign(s); }          // NOLINT
  constexpr FixedString(const char* s) { assign(s); }       // NOLINT

  constexpr void assign(std::string_view s) {
    size_ = static_cast<std::uint8_t>(std::min(s.size(), N));
    std::copy_n(s.data(), size_, data_.data());
  }

  [[nodiscard]] constexpr std::string_view view() const { return {data_.data(), size_}; }
  [[nodiscard]] std::string str() const { return std::string(view()); }
  [[nodiscard]] constexpr std::size_t size() const { return size_; }
  [[nodiscard]] constexpr bool empty() const { return size_ == 0; }
  static constexpr std::size_t capacity() { return N; }

  friend constexpr bool operator==(const FixedString& a, const FixedString& b) { return a.view() == b.view(); }
  friend constexpr bool operator==(const FixedString& a, std::string_view b) { return a.view() == b; }

 private:
  std::array<char, N> data_{};
  std::uint8_t size_ = 0;
};

// Condition ids are 1-64 characters (design.md §3); trade ids add a two-character prefix.
using ConditionId = FixedString<64>;
using TradeId = FixedString<72>;
using StrategyId = FixedString<64>;
using CoinName = FixedString<16>;

}  // namespace tradingd
