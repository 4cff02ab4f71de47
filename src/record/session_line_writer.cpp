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
    const auto r = std::to_chars(cache.text, cache.text + sizeof cache.text, v);
    cache.bits = bits;
    cache.size = static_cast<std::uint8_t>(r.ptr - cache.text);
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
