#pragma once
// DecimalText: the decimal text of a price or size ("16493.50",
// "0.00001234") read as the double std::from_chars gives, bit for bit, at a
// fraction of its cost on the tick path. Any thread; allocates nothing.

#include <string_view>

namespace tradingd {

class DecimalText {
 public:
  // The whole text as a number, as std::from_chars reads it (so "nan", "-3"
  // and "1e5" parse too: judging the value is the caller's job); false when
  // any of the text is not part of the number.
  [[nodiscard]] static bool parse(std::string_view text, double& out) noexcept;
};

}  // namespace tradingd
