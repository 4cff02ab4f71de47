// Each journal row and the value it stores, both ways: a condition armed
// into `conditions` and read back, a position opened into `trades` and
// turned back into the Position a restart trades on, every field, including
// the ones stored as NULL. The journal writes, a separate reader reads.

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "test_process.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/journal/sql_row.hpp"
#include "tradingd/journal/trade_journal.hpp"

using namespace tradingd;
using namespace tradingd::test;

namespace {

constexpr std::int64_t t0 = 1'764'158'400'000;  // 2025-11-26T12:00:00Z

TradeCondition full_condition() {
  TradeCondition c;
  c.id = "ns:c1";
  c.coin = "ETH";
  c.direction = Direction::Short;
  c.trigger_type = TriggerType::Below;
  c.trigger_price = 2999.125;
  c.stop_loss_pct = 0.021;
  c.take_profit_pct = 0.0155;
  c.position_size_usd = 250.5;
  c.strategy_id = "momentum-v2";
  c.reasoning = "break of the range, \"quoted\"";
  c.created_at_ms = t0 - 5;
  c.valid_until_ms = t0 + 3'600'000;
  c.trailing_stop_pct = 0.01;
  c.trailing_activation_pct = 0.004;
  c.max_hold_ms = 900'000;
  c.oco_group = "pair-1";
  return c;
}

Position full_position(const CoinTable& coins) {
  Position p;
  p.id = "T-ns:c1";
  p.condition_id = "ns:c1";
  p.strategy_id = "momentum-v2";
  p.coin = *coins.find("ETH");
  p.direction = Direction::Short;
  p.size_usd = 250.5;
  p.entry_price = 2998.5;
  p.entry_mark = 2999.0;
  p.entry_fill = FillBasis::Bid;
  p.qty = 250.5 / 2998.5;
  p.entry_ms = t0 + 7;
  p.stop_loss_price = 3061.47;
  p.take_profit_price = 2952.02;
  p.trailing_stop_pct = 0.01;
  p.trailing_activation_pct = 0.004;
  p.max_hold_ms = 900'000;
  p.best_price = 2998.5;
  p.entry_fee_usd = 0.1378;
  return p;
}

void check_same(const Position& a, const Position& b) {
  CHECK(a.id.view() == b.id.view());
  CHECK(a.condition_id.view() == b.condition_id.view());
  CHECK(a.strategy_id.view() == b.strategy_id.view());
  CHECK(a.coin == b.coin);
  CHECK(a.direction == b.direction);
  CHECK(a.size_usd == b.size_usd);
  CHECK(a.qty == b.qty);
  CHECK(a.entry_price == b.entry_price);
  CHECK(a.entry_mark == b.entry_mark);
  CHECK(a.entry_fill == b.entry_fill);
  CHECK(a.entry_ms == b.entry_ms);
  CHECK(a.stop_loss_price == b.stop_loss_price);
  CHECK(a.take_profit_price == b.take_profit_price);
  CHECK(a.trailing_stop_pct == b.trailing_stop_pct);
  CHECK(a.trailing_activation_pct == b.trailing_activation_pct);
  CHECK(a.max_hold_ms == b.max_hold_ms);
  CHECK(a.best_price == b.best_price);
  CHECK(a.entry_fee_usd == b.entry_fee_usd);
}

}  // namespace

TEST_CASE("a condition goes into its row and comes back the same, every field, the absent ones as NULL",
          "[unit][journal]") {
  TempDir dir("journal-condition-row");
  const auto db_path = dir / "j.db";
  TradeCondition bare = full_condition();
  bare.id = "c2";
  bare.trailing_stop_pct.reset();
  bare.trailing_activation_pct.reset();
  bare.max_hold_ms.reset();
  bare.oco_group.clear();
  {
    TradeJournal journal(db_path);
    journal.start();
    journal.submit(ConditionArmed{full_condition(), t0});
    journal.submit(ConditionArmed{bare, t0 + 1});
    journal.flush().get();
  }
  const auto rows = JournalReader(db_path).conditions();
  REQUIRE(rows.size() == 2);
  for (const auto& [row, sent, armed] :
       {std::tuple{rows[0], full_condition(), t0}, std::tuple{rows[1], bare, t0 + 1}}) {
    INFO(sent.id);
    CHECK(row.condition.same_terms(sent));
    CHECK(row.condition.reasoning == sent.reasoning);
    CHECK(row.condition.created_at_ms == sent.created_at_ms);
    CHECK(row.status == "ACTIVE");
    CHECK(row.status_reason.empty());
    CHECK(row.updated_ms == armed);
  }
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM conditions WHERE id = 'c2' AND trailing_stop_pct IS NULL AND "
                      "trailing_activation_pct IS NULL AND max_hold_ms IS NULL AND oco_group IS NULL")
            .getInt() == 1);
}

TEST_CASE("a position goes into its trades row and comes back as the position a restart trades on", "[unit][journal]") {
  TempDir dir("journal-trade-row");
  const auto db_path = dir / "j.db";
  const CoinTable coins({"BTC", "ETH"});
  Position plain = full_position(coins);
  plain.id = "T-c2";
  plain.condition_id = "c2";
  plain.direction = Direction::Long;
  plain.entry_fill = FillBasis::Trade;
  plain.stop_loss_price.reset();
  plain.take_profit_price.reset();
  plain.trailing_stop_pct = 0;
  plain.trailing_activation_pct = 0;
  plain.max_hold_ms = 0;
  {
    TradeJournal journal(db_path);
    journal.start();
    for (const auto& c : {full_condition(), [] {
                            auto c = full_condition();
                            c.id = "c2";
                            return c;
                          }()})
      journal.submit(ConditionArmed{c, t0});
    journal.submit(PositionOpened{full_position(coins), "ETH", t0 + 7});
    journal.submit(PositionOpened{plain, "ETH", t0 + 8});
    journal.flush().get();
  }
  const auto open = JournalReader(db_path).open_trades();
  REQUIRE(open.size() == 2);
  CHECK(open[0].status == "OPEN");
  CHECK(open[0].entry_fill == "bid");
  const auto back = open[0].to_position(coins);
  REQUIRE(back);
  check_same(*back, full_position(coins));
  const auto back_plain = open[1].to_position(coins);
  REQUIRE(back_plain);
  check_same(*back_plain, plain);
  CHECK_FALSE(open[1].stop_loss_price);
  CHECK_FALSE(open[1].trailing_stop_pct);  // no trail: NULL, not 0
  CHECK_FALSE(open[1].max_hold_ms);
  // A coin no longer traded (the config changed) gives no position to trade on.
  CHECK_FALSE(open[0].to_position(CoinTable({"BTC"})));
  // Its condition is TRIGGERED by the position's id, in the same transaction.
  const auto conditions = JournalReader(db_path).conditions("TRIGGERED");
  REQUIRE(conditions.size() == 2);
  CHECK(conditions[0].status_reason == "T-ns:c1");
}

TEST_CASE("a statement's parameter numbers are found once by name and never mixed up", "[unit][journal]") {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (a TEXT, b REAL, c INTEGER)");
  SQLite::Statement insert(db, "INSERT INTO t (c, a, b) VALUES (:c, :a, :b)");
  ParamNumbers numbers;
  // The same names at other addresses (copies, not the literals) bind the same parameters.
  const std::string a = ":a", b = ":b", c = ":c";
  for (int i = 0; i < 3; ++i) {
    SqlRow row(insert, numbers);
    row.bind_text(i == 1 ? a.c_str() : ":a", "x" + std::to_string(i));
    row.bind_real(i == 1 ? b.c_str() : ":b", 1.5 * i);
    row.bind_integer(i == 2 ? c.c_str() : ":c", std::int64_t{10} * i);
    insert.exec();
    insert.reset();
  }
  SQLite::Statement q(db, "SELECT a, b, c FROM t ORDER BY rowid");
  for (int i = 0; i < 3; ++i) {
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getString() == "x" + std::to_string(i));
    CHECK(q.getColumn(1).getDouble() == 1.5 * i);
    CHECK(q.getColumn(2).getInt64() == 10 * i);
  }
  // A name the statement lacks is an error, not a bind to some other column.
  SqlRow row(insert, numbers);
  CHECK_THROWS_AS(row.bind_text(":d", "y"), SQLite::Exception);
  CHECK_THROWS_AS(row.bind_text(":d", "y"), SQLite::Exception);  // remembered as missing, still refused
}
