#include "tradingd/feed/symbol_table.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace tradingd {
namespace {

constexpr char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - ('a' - 'A')) : c;
}

// Upper-cases the ASCII letters of eight bytes at once, leaving every other
// byte (digits, bytes >= 0x80) as it is.
constexpr std::uint64_t upper_word(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  const std::uint64_t low7 = w & ~highs;
  const std::uint64_t at_least_a = low7 + (0x80 - 'a') * ones;   // high bit set where the byte >= 'a'
  const std::uint64_t above_z = low7 + (0x80 - 'z' - 1) * ones;  // high bit set where the byte > 'z'
  const std::uint64_t lower = at_least_a & ~above_z & ~w & highs;
  return w ^ (lower >> 2);  // 0x80 >> 2 is the 0x20 between cases
}
static_assert(upper_word(0x7a61607b5a413039ULL) == 0x5a41607b5a413039ULL);  // "90AZ{`az" -> "90AZ{`AZ"

}  // namespace

// Inlined into index_of, and the words built in registers one by one: a
// returned key, or one upper-cased in a loop over memory, stalled on store
// forwarding (stores of 8 bytes read back as 16).
[[gnu::always_inline]] inline SymbolTable::Key SymbolTable::key_of(std::string_view symbol) noexcept {
  Key key;
  key.length = symbol.size();
  if (symbol.size() > max_symbol_length) return key;  // never equal to an entry: their lengths are in range
  const char* s = symbol.data();
  const std::size_t n = symbol.size();
  const auto load = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  // Up to 16 bytes (every exchange symbol so far) in two overlapping loads
  // instead of a byte loop or a call to memcpy.
  if (n >= 8 && n <= 16) {
    const std::uint64_t w0 = upper_word(load(s));
    const std::uint64_t w1 = n > 8 ? upper_word(load(s + n - 8) >> (8 * (16 - n))) : 0;
    key.words = {w0, w1, 0, 0};
    return key;
  }
  char bytes[sizeof key.words] = {};
  std::memcpy(bytes, s, n);
  for (std::size_t i = 0; i < key.words.size(); ++i) key.words[i] = upper_word(load(bytes + 8 * i));
  return key;
}

SymbolTable::SymbolTable(const CoinTable& coins, std::string_view quote) {
  struct Entry {
    Key key;
    CoinId coin;
  };
  std::vector<Entry> entries;
  for (std::size_t id = 0; id < coins.size(); ++id) {
    std::string s = coins.name(static_cast<CoinId>(id)) + std::string(quote);
    std::transform(s.begin(), s.end(), s.begin(), upper);
    if (s.size() > max_symbol_length) throw std::invalid_argument("symbol too long: " + s);
    entries.push_back(Entry{key_of(s), static_cast<CoinId>(id)});
    symbols_.push_back(std::move(s));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key.words[0] < b.key.words[0]; });
  for (const auto& e : entries) {
    first_words_.push_back(e.key.words[0]);
    keys_.push_back(e.key);
    coins_.push_back(e.coin);
  }
}

std::size_t SymbolTable::index_of(std::string_view symbol) const noexcept {
  if (symbol.size() > max_symbol_length || first_words_.empty()) return not_found;
  const Key key = key_of(symbol);
  // The first entry whose first word is >= the key's: a fixed number of
  // halvings, each moving by arithmetic rather than a branch.
  const std::uint64_t* words = first_words_.data();
  std::size_t base = 0;
  for (std::size_t n = first_words_.size(); n > 1;) {
    const std::size_t half = n / 2;
    base += static_cast<std::size_t>(words[base + half - 1] < key.words[0]) * half;
    n -= half;
  }
  std::size_t i = base + static_cast<std::size_t>(words[base] < key.words[0]);
  for (; i < first_words_.size() && first_words_[i] == key.words[0]; ++i)
    if (keys_[i] == key) return coins_[i];
  return not_found;
}

}  // namespace tradingd
