#include "tradingd/domain/decimal_text.hpp"

#include <charconv>
#include <cstdint>

namespace tradingd {
namespace {

// 10^0 .. 10^22: every one exact in a double.
constexpr double exact_powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                          1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

}  // namespace

bool DecimalText::parse(std::string_view text, double& out) noexcept {
  // Clinger's fast path: digits[.digits] with at most 19 digits whose integer
  // fits 2^53 and at most 22 after the point is an exact integer divided by an
  // exact power of ten, and IEEE division rounds that quotient correctly, as
  // from_chars does. Exchange prices are all of this form; anything else
  // (signs, exponents, long mantissas, "1.", ".5") goes to from_chars itself.
  const char* p = text.data();
  const char* const end = p + text.size();
  if (text.size() <= 20) {
    std::uint64_t mantissa = 0;
    const char* const first = p;
    for (; p < end && static_cast<unsigned>(*p - '0') < 10; ++p)
      mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    const auto integer_digits = p - first;
    std::ptrdiff_t fraction_digits = 0;
    bool point = false;
    if (p < end && *p == '.') {
      point = true;
      const char* const fraction = ++p;
      for (; p < end && static_cast<unsigned>(*p - '0') < 10; ++p)
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
      fraction_digits = p - fraction;
    }
    if (p == end && integer_digits > 0 && (!point || fraction_digits > 0) && integer_digits + fraction_digits <= 19 &&
        mantissa <= (std::uint64_t{1} << 53)) {
      // At most 19 digits: fraction_digits <= 19 < 23, within the table.
      out = static_cast<double>(mantissa) / exact_powers_of_ten[fraction_digits];
      return true;
    }
  }
  const auto r = std::from_chars(text.data(), end, out);
  return r.ec == std::errc{} && r.ptr == end;
}

}  // namespace tradingd
