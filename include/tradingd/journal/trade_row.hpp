#pragma once
// TradeRow: one `trades` row as stored (design.md §5) and both of its
// conversions with Position, side by side: an opened Position into the row
// (bind_opened, on the journal writer) and an OPEN row back into the
// Position it was (to_position, at start-up recovery); read() takes the row
// from any reader's connection. Columns are named, never counted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tradingd/domain/position.hpp"

namespace SQLite {
class Statement;
}  // namespace SQLite

namespace tradingd {

class ParamNumbers;

class CoinTable;

struct TradeRow {
  std::string id;
  std::string condition_id;
  std::string coin;
  std::string direction;
  double size_usd = 0.0;
  double qty = 0.0;
  double entry_price = 0.0;
  std::int64_t entry_ms = 0;
  std::optional<double> stop_loss_price;    // NULL when the level does not exist
  std::optional<double> take_profit_price;  // likewise
  std::optional<double> exit_price;
  std::optional<std::int64_t> exit_ms;
  std::string exit_reason;
  double fees_usd = 0.0;  // the entry fee while OPEN, entry + exit once CLOSED
  std::optional<double> pnl_usd;
  std::string status;
  std::string strategy_id;
  double entry_mark = 0.0;  // the trade price that decided the entry
  std::optional<double> exit_mark;
  std::string entry_fill;  // trade, bid or ask
  std::string exit_fill;   // "" while open
  std::optional<double> trailing_stop_pct;
  std::optional<double> trailing_activation_pct;
  std::optional<std::int64_t> max_hold_ms;
  std::optional<double> best_price;

  // The columns read() reads, for a SELECT on any connection.
  static const char* const columns;
  // The current row of a SELECT of `columns`.
  [[nodiscard]] static TradeRow read(SQLite::Statement& select);

  // The INSERT of a position just opened (status OPEN) on `coin`, and its
  // parameters bound from the position (by `numbers`, the statement's). Throws RefusedWrite for a value
  // SQLite cannot keep.
  static const char* const insert_sql;
  static void bind_opened(SQLite::Statement& insert, ParamNumbers& numbers, const Position& position,
                          std::string_view coin);

  // The open position this row holds, to trade on after a restart; nullopt
  // when its coin is not among `coins` or its direction is unreadable.
  [[nodiscard]] std::optional<Position> to_position(const CoinTable& coins) const;
};

}  // namespace tradingd
