#include "tradingd/domain/coin_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace tradingd {

CoinTable::CoinTable(std::vector<std::string> coins) : names_(std::move(coins)) {
  if (names_.size() > 0xFFFF) throw std::invalid_argument("too many coins");
}

std::optional<CoinId> CoinTable::find(std::string_view coin) const {
  // Linear on purpose: a few dozen short names, used at configuration time and
  // on the injection path, never per tick of the live feed.
  const auto it = std::find(names_.begin(), names_.end(), coin);
  if (it == names_.end()) return std::nullopt;
  return static_cast<CoinId>(it - names_.begin());
}

}  // namespace tradingd
