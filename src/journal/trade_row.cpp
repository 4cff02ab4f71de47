#include "tradingd/journal/trade_row.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/journal/sql_row.hpp"

namespace tradingd {

const char* const TradeRow::columns =
    "id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms, stop_loss_price, "
    "take_profit_price, exit_price, exit_ms, exit_reason, fees_usd, pnl_usd, status, strategy_id, "
    "entry_mark, exit_mark, entry_fill, exit_fill, trailing_stop_pct, trailing_activation_pct, max_hold_ms, "
    "best_price";

TradeRow TradeRow::read(SQLite::Statement& select) {
  const SqlRow q(select);
  TradeRow t;
  t.id = q.text("id");
  t.condition_id = q.text("condition_id");
  t.coin = q.text("coin");
  t.direction = q.text("direction");
  t.size_usd = q.real("size_usd");
  t.qty = q.real("qty");
  t.entry_price = q.real("entry_price");
  t.entry_ms = q.integer("entry_ms");
  t.stop_loss_price = q.optional_real("stop_loss_price");
  t.take_profit_price = q.optional_real("take_profit_price");
  t.exit_price = q.optional_real("exit_price");
  t.exit_ms = q.optional_integer("exit_ms");
  t.exit_reason = q.text("exit_reason");
  t.fees_usd = q.real("fees_usd");
  t.pnl_usd = q.optional_real("pnl_usd");
  t.status = q.text("status");
  t.strategy_id = q.text("strategy_id");
  t.entry_mark = q.real("entry_mark");
  t.exit_mark = q.optional_real("exit_mark");
  t.entry_fill = q.text("entry_fill");
  t.exit_fill = q.text("exit_fill");
  t.trailing_stop_pct = q.optional_real("trailing_stop_pct");
  t.trailing_activation_pct = q.optional_real("trailing_activation_pct");
  t.max_hold_ms = q.optional_integer("max_hold_ms");
  t.best_price = q.optional_real("best_price");
  return t;
}

const char* const TradeRow::insert_sql =
    "INSERT INTO trades (id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms, stop_loss_price, "
    "take_profit_price, fees_usd, status, strategy_id, entry_mark, entry_fill, trailing_stop_pct, "
    "trailing_activation_pct, max_hold_ms, best_price) "
    "VALUES (:id, :condition_id, :coin, :direction, :size_usd, :qty, :entry_price, :entry_ms, :stop_loss_price, "
    ":take_profit_price, :fees_usd, 'OPEN', :strategy_id, :entry_mark, :entry_fill, :trailing_stop_pct, "
    ":trailing_activation_pct, :max_hold_ms, :best_price)";

void TradeRow::bind_opened(SQLite::Statement& insert, ParamNumbers& numbers, const Position& p, std::string_view coin) {
  SqlRow s(insert, numbers);
  s.bind_text(":id", p.id.view());
  s.bind_text(":condition_id", p.condition_id.view());
  s.bind_text(":coin", coin);
  s.bind_text(":direction", to_string(p.direction));
  s.bind_real(":size_usd", p.size_usd);
  s.bind_real(":qty", p.qty);
  s.bind_real(":entry_price", p.entry_price);
  s.bind_integer(":entry_ms", p.entry_ms);
  s.bind_real(":stop_loss_price", p.stop_loss_price);
  s.bind_real(":take_profit_price", p.take_profit_price);
  s.bind_real(":fees_usd", p.entry_fee_usd);  // while open, fees_usd holds the entry fee
  s.bind_text(":strategy_id", p.strategy_id.view());
  s.bind_real(":entry_mark", p.entry_mark);
  s.bind_text(":entry_fill", to_string(p.entry_fill));
  // No trail or no time limit: NULL, as design.md §5 says of what is absent.
  const bool trails = p.trailing_stop_pct > 0;
  s.bind_real(":trailing_stop_pct", trails ? std::optional<double>(p.trailing_stop_pct) : std::nullopt);
  s.bind_real(":trailing_activation_pct", trails ? std::optional<double>(p.trailing_activation_pct) : std::nullopt);
  s.bind_integer(":max_hold_ms", p.max_hold_ms > 0 ? std::optional<std::int64_t>(p.max_hold_ms) : std::nullopt);
  s.bind_real(":best_price", p.best_price);
}

std::optional<Position> TradeRow::to_position(const CoinTable& coins) const {
  const auto coin_id = coins.find(coin);
  const auto dir = parse_direction(direction);
  if (!coin_id || !dir) return std::nullopt;
  Position p;
  p.id = id;
  p.condition_id = condition_id;
  p.strategy_id = strategy_id;
  p.coin = *coin_id;
  p.direction = *dir;
  p.size_usd = size_usd;
  p.qty = qty;
  p.entry_price = entry_price;
  p.entry_mark = entry_mark;
  p.entry_fill = parse_fill_basis(entry_fill).value_or(FillBasis::Trade);
  p.entry_ms = entry_ms;
  p.stop_loss_price = stop_loss_price;
  p.take_profit_price = take_profit_price;
  p.trailing_stop_pct = trailing_stop_pct.value_or(0.0);
  p.trailing_activation_pct = trailing_activation_pct.value_or(0.0);
  p.max_hold_ms = max_hold_ms.value_or(0);
  // The trail resumes from the last persisted best (design.md §4.2: at most a second old after a crash).
  p.best_price = best_price.value_or(entry_price);
  p.entry_fee_usd = fees_usd;  // while open, fees_usd holds the entry fee
  return p;
}

}  // namespace tradingd
