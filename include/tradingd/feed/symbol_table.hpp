#pragma once
// SymbolTable: exchange symbols (BTCUSDT) <-> coin ids, built once at start-up
// from [trading] coins and quote. Lookup upper-cases the symbol into four
// 64-bit words once and binary-searches a short sorted array of such keys:
// word compares, no hashing and no allocation, so it is fit for the tick path.
// Immutable after construction.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/domain/coin_table.hpp"

namespace tradingd {

class SymbolTable {
 public:
  SymbolTable(const CoinTable& coins, std::string_view quote);

  // "BTCUSDT", "btcusdt" -> the id of BTC; nullopt for anything else.
  // Inline so the optional is built and tested in registers at the caller (a
  // returned optional<uint16_t> went through the stack and stalled).
  [[nodiscard]] std::optional<CoinId> find(std::string_view symbol) const noexcept {
    const std::size_t i = index_of(symbol);
    if (i == not_found) return std::nullopt;
    return static_cast<CoinId>(i);
  }
  // The exchange symbol of a coin, upper case: "BTCUSDT".
  [[nodiscard]] const std::string& symbol(CoinId coin) const { return symbols_.at(coin); }
  [[nodiscard]] std::size_t size() const { return symbols_.size(); }

  static constexpr std::size_t max_symbol_length = 31;

 private:
  // A symbol of up to max_symbol_length bytes, upper-cased, zero-filled, as
  // four little-endian words, and its length (so a symbol with a NUL byte
  // never equals a shorter one).
  struct Key {
    std::array<std::uint64_t, 4> words{};
    std::size_t length = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  [[nodiscard]] static Key key_of(std::string_view symbol) noexcept;
  static constexpr std::size_t not_found = ~std::size_t{0};
  [[nodiscard]] std::size_t index_of(std::string_view symbol) const noexcept;

  // By first word, then the rest: the search runs over first_words_ alone
  // (branch-free, so interleaved coins cost no mispredictions) and checks the
  // whole key only where the first word matches.
  std::vector<std::uint64_t> first_words_;
  std::vector<Key> keys_;
  std::vector<CoinId> coins_;
  std::vector<std::string> symbols_;  // by coin id
};

}  // namespace tradingd
