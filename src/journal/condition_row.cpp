#include "tradingd/journal/condition_row.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "tradingd/journal/sql_row.hpp"

namespace tradingd {

const char* const ConditionRow::columns =
    "id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct, position_size_usd, "
    "strategy_id, reasoning, valid_until_ms, created_at_ms, status, status_reason, updated_ms, trailing_stop_pct, "
    "trailing_activation_pct, max_hold_ms, oco_group";

ConditionRow ConditionRow::read(SQLite::Statement& select) {
  const SqlRow q(select);
  ConditionRow r;
  TradeCondition& c = r.condition;
  c.id = q.text("id");
  c.coin = q.text("coin");
  // The schema's CHECKs allow only these spellings.
  c.direction = parse_direction(q.text("direction")).value_or(Direction::Long);
  c.trigger_type = parse_trigger_type(q.text("trigger_type")).value_or(TriggerType::Above);
  c.trigger_price = q.real("trigger_price");
  c.stop_loss_pct = q.real("stop_loss_pct");
  c.take_profit_pct = q.real("take_profit_pct");
  c.position_size_usd = q.real("position_size_usd");
  c.strategy_id = q.text("strategy_id");
  c.reasoning = q.text("reasoning");
  c.valid_until_ms = q.integer("valid_until_ms");
  c.created_at_ms = q.integer("created_at_ms");
  c.trailing_stop_pct = q.optional_real("trailing_stop_pct");
  c.trailing_activation_pct = q.optional_real("trailing_activation_pct");
  c.max_hold_ms = q.optional_integer("max_hold_ms");
  c.oco_group = q.text("oco_group");
  r.status = q.text("status");
  r.status_reason = q.text("status_reason");
  r.updated_ms = q.integer("updated_ms");
  return r;
}

const char* const ConditionRow::insert_sql =
    "INSERT INTO conditions (id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct, "
    "position_size_usd, strategy_id, reasoning, valid_until_ms, created_at_ms, status, status_reason, updated_ms, "
    "trailing_stop_pct, trailing_activation_pct, max_hold_ms, oco_group) "
    "VALUES (:id, :coin, :direction, :trigger_type, :trigger_price, :stop_loss_pct, :take_profit_pct, "
    ":position_size_usd, :strategy_id, :reasoning, :valid_until_ms, :created_at_ms, 'ACTIVE', '', :updated_ms, "
    ":trailing_stop_pct, :trailing_activation_pct, :max_hold_ms, :oco_group)";

void ConditionRow::bind_armed(SQLite::Statement& insert, ParamNumbers& numbers, const TradeCondition& c,
                              std::int64_t armed_ms) {
  SqlRow s(insert, numbers);
  s.bind_text(":id", c.id);
  s.bind_text(":coin", c.coin);
  s.bind_text(":direction", to_string(c.direction));
  s.bind_text(":trigger_type", to_string(c.trigger_type));
  s.bind_real(":trigger_price", c.trigger_price);
  s.bind_real(":stop_loss_pct", c.stop_loss_pct);
  s.bind_real(":take_profit_pct", c.take_profit_pct);
  s.bind_real(":position_size_usd", c.position_size_usd);
  s.bind_text(":strategy_id", c.strategy_id);
  s.bind_text(":reasoning", c.reasoning);
  s.bind_integer(":valid_until_ms", c.valid_until_ms);
  s.bind_integer(":created_at_ms", c.created_at_ms);
  s.bind_integer(":updated_ms", armed_ms);
  s.bind_real(":trailing_stop_pct", c.trailing_stop_pct);
  s.bind_real(":trailing_activation_pct", c.trailing_activation_pct);
  s.bind_integer(":max_hold_ms", c.max_hold_ms);
  s.bind_text_or_null(":oco_group", c.oco_group);
}

}  // namespace tradingd
