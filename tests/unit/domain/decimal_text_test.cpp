// DecimalText against std::from_chars, bit for bit, on prices as exchanges
// write them and on everything its fast path hands back to from_chars.

#include <catch2/catch.hpp>
#include <charconv>
#include <cstring>
#include <random>
#include <string>

#include "tradingd/domain/decimal_text.hpp"

using namespace tradingd;

namespace {

// What from_chars makes of the whole text, or nothing.
bool reference(const std::string& text, double& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

TEST_CASE("DecimalText reads every decimal exactly as from_chars does", "[unit][feed]") {
  std::mt19937_64 rng(20261128);
  std::uniform_int_distribution<int> digits(0, 9), length(1, 22), point_at(-1, 22);
  long fast = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    std::string text;
    const int n = length(rng), p = point_at(rng);
    for (int k = 0; k < n; ++k) {
      if (k == p) text += '.';
      text += static_cast<char>('0' + digits(rng));
    }
    double got = -1, want = -2;
    const bool ok = DecimalText::parse(text, got);
    REQUIRE(ok == reference(text, want));
    if (!ok) continue;
    INFO(text);
    REQUIRE(same_bits(got, want));
    fast += text.size() <= 20;
  }
  CHECK(fast > 500'000);  // most of them took the fast path
}

TEST_CASE("DecimalText: prices as exchanges write them, and what is not one", "[unit][feed]") {
  for (const char* text : {"115440.7", "0.00001234", "25.35190000", "16493.50", "3000", "9007199254740993",
                           "9007199254740992.5", "0.1", "0.30000000000000004", "1e5", "-3", "1.", ".5", "00012.50",
                           "12345678901234567890.5", "0.0000000000000000000001", "nan", "inf", "1e999"}) {
    INFO(text);
    double got = -1, want = -2;
    const bool ok = DecimalText::parse(text, got);
    REQUIRE(ok == reference(text, want));
    if (ok) CHECK((same_bits(got, want) || (got != got && want != want)));
  }
  double out = 0;
  for (const char* text : {"", "12.5x", "1..2", "12 ", " 12", "1,5", "+1", "0x10", "1.2.3"}) {
    INFO(text);
    double want = 0;
    CHECK(DecimalText::parse(text, out) == reference(text, want));
  }
  CHECK_FALSE(DecimalText::parse("12.5x", out));
  CHECK_FALSE(DecimalText::parse("", out));
}
