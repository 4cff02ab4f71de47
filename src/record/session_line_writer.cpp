#include "tradingd/record/session_line_writer.hpp"

#include <bit>
#include <charconv>
#include <cstring>
#include <utility>

#include "tradingd/record/session_format.hpp"

namespace tradingd {
namespace {

// A tick's or quote's line without its coin: the time twice, two prices, the
// kind and the commas (20 + 20 + 2 * 32 + 7 + 5 bytes), and the slack of
// copying each number's whole buffer (up to 32 bytes past its text).
constexpr std::size_t numbers_room = 160;
// Coin names are configured symbols; a longer one takes the plain path.
constexpr std::size_t max_fast_name = 64;

template <std::size_t N>
char* put_literal(const char (&s)[N], char* p) {
  std::memcpy(p, s, N - 1);  // a constant size: a move or two, no call
  return p + N - 1;
}

// A coin's name: short ones (nearly all) as one fixed-size copy.
char* put_name(const std::string& name, char* p) {
  if (name.size() <= 16) {
    char block[16] = {};
    std::memcpy(block, name.data(), name.size());
    std::memcpy(p, block, 16);
  } else {
    std::memcpy(p, name.data(), name.size());
  }
  return p + name.size();
}

// A price as std::to_chars(double) writes it (the shortest text that reads
// back to the same double, fixed or scientific, whichever is shorter), for
// the prices exchanges send: positive, with at most 8 decimals and 15
// significant digits, and so written in fixed notation. nullptr for anything
// else, which the caller writes with std::to_chars. libstdc++'s general
// algorithm was a third of the recorder thread's time at 100 k ticks/s.
//
// Why it is exact: m / 10^8 (m an integer below 2^53, so exact) divides to
// the double nearest the decimal D = m / 10^8; when that is `v`, D reads back
// to `v`. No shorter decimal does: with at most 15 significant digits, two
// decimals of D's length or less differ by more than `v`'s spacing (DBL_DIG).
char* put_decimal(double v, char* p) {
  if (!(v >= 1e-8 && v < 1e7)) return nullptr;  // m below 10^15: exact, and 15 digits at most
  const double scaled = v * 1e8;
  const auto m = static_cast<std::uint64_t>(scaled + 0.5);
  if (static_cast<double>(m) / 1e8 != v) return nullptr;
  const std::uint64_t whole = m / 100'000'000;
  std::uint64_t frac = m % 100'000'000;
  int frac_digits = 8;
  while (frac_digits > 0 && frac % 10 == 0) {
    frac /= 10;
    --frac_digits;
  }
  // The lengths std::to_chars compares: fixed against scientific (d.ddde±XX).
  int whole_digits = 0;
  for (std::uint64_t w = whole; w != 0; w /= 10) ++whole_digits;
  int significant = 0;
  if (whole != 0) {
    significant = whole_digits + frac_digits;
    if (frac_digits == 0) {
      std::uint64_t w = whole;  // 97000: two significant digits
      while (w % 10 == 0) {
        w /= 10;
        --significant;
      }
    }
  } else {
    for (std::uint64_t f = frac; f != 0; f /= 10) ++significant;  // 0.00012: two
  }
  const int fixed_length = (whole != 0 ? whole_digits : 1) + (frac_digits != 0 ? 1 + frac_digits : 0);
  const int scientific_length = significant + (significant > 1 ? 1 : 0) + 4;
  if (fixed_length > scientific_length) return nullptr;  // to_chars writes 1e+07 or 1.2e-05
  p = std::to_chars(p, p + 20, whole).ptr;
  if (frac_digits != 0) {
    *p++ = '.';
    char digits[8];
    for (int i = frac_digits - 1; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    std::memcpy(p, digits, 8);  // whole: a constant size; the text has room
    p += frac_digits;
  }
  return p;
}

}  // namespace

SessionLineWriter::SessionLineWriter(std::vector<std::string> coin_names)
    : coin_names_(std::move(coin_names)), coins_(coin_names_.size()) {}

char* SessionLineWriter::put(Int& cache, std::int64_t v, char* p) {
  if (cache.size == 0 || cache.value != v) {
    const auto r = std::to_chars(cache.text, cache.text + sizeof cache.text, v);
    cache.value = v;
    cache.size = static_cast<std::uint8_t>(r.ptr - cache.text);
  }
  std::memcpy(p, cache.text, sizeof cache.text);  // whole: a constant size; the line has room
  return p + cache.size;
}

char* SessionLineWriter::put(Real& cache, double v, char* p) {
  // By bits: 0.0 and -0.0 are written differently, and so are kept apart.
  const auto bits = std::bit_cast<std::uint64_t>(v);
  if (cache.size == 0 || cache.bits != bits) {
    char* end = put_decimal(v, cache.text);
    if (end == nullptr) end = std::to_chars(cache.text, cache.text + sizeof cache.text, v).ptr;
    cache.bits = bits;
    cache.size = static_cast<std::uint8_t>(end - cache.text);
  }
  std::memcpy(p, cache.text, sizeof cache.text);
  return p + cache.size;
}

void SessionLineWriter::append(const SessionInput& in, std::string& out) {
  using K = SessionInput::Kind;
  if ((in.kind != K::Tick && in.kind != K::Quote) || in.coin >= coin_names_.size() ||
      coin_names_[in.coin].size() > max_fast_name)
    return SessionFormat::append(in, coin_names_, out);
  char line[numbers_room + max_fast_name];
  CoinPlaces& places = coins_[in.coin];
  char* p = put(now_, in.now_ms, line);
  if (in.kind == K::Tick) {
    p = put_literal(",tick,", p);
    p = put_name(coin_names_[in.coin], p);
    *p++ = ',';
    p = put(places.price, in.a, p);
  } else {
    p = put_literal(",quote,", p);
    p = put_name(coin_names_[in.coin], p);
    *p++ = ',';
    if (in.has_a) p = put(places.bid, in.a, p);
    *p++ = ',';
    if (in.has_b) p = put(places.ask, in.b, p);
  }
  *p++ = ',';
  p = put(ts_, in.ts_ms, p);
  *p++ = '\n';
  out.append(line, static_cast<std::size_t>(p - line));
}

}  // namespace tradingd
