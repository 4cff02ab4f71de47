#pragma once
// SymbolTable: exchange symbols (BTCUSDT) <-> coin ids, built once at start-up
// from [trading] coins and quote. Lookup compares case-insensitively against a
// short sorted array with a binary search: no hashing and no allocation, so it
// is fit for the tick path. Immutable after construction.

#include <array>
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
  [[nodiscard]] std::optional<CoinId> find(std::string_view symbol) const noexcept;
  // The exchange symbol of a coin, upper case: "BTCUSDT".
  [[nodiscard]] const std::string& symbol(CoinId coin) const { return symbols_.at(coin); }
  [[nodiscard]] std::size_t size() const { return symbols_.size(); }

  static constexpr std::size_t max_symbol_length = 31;

 private:
  struct Entry {
    std::array<char, max_symbol_length + 1> upper{};
    std::size_t length = 0;
    CoinId coin = 0;
  };
  std::vector<std::string> symbols_;  // by coin id
  std::vector<Entry> sorted_;         // by upper-case symbol
};

}  // namespace tradingd
