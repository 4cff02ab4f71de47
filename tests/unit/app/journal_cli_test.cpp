// The journal read back: JournalSummary's figures and `tradingd journal`'s
// output on a database with known rows.

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_process.hpp"
#include "tradingd/app/journal_cli.hpp"
#include "tradingd/journal/journal_schema.hpp"
#include "tradingd/journal/journal_summary.hpp"

using namespace tradingd;
using tradingd::test::TempDir;

namespace {

TradeRow closed(const std::string& id, const std::string& coin, const std::string& strategy, double pnl,
                std::int64_t exit_ms, double fees = 0.1) {
  TradeRow t;
  t.id = id;
  t.coin = coin;
  t.strategy_id = strategy;
  t.status = "CLOSED";
  t.pnl_usd = pnl;
  t.exit_ms = exit_ms;
  t.fees_usd = fees;
  return t;
}

// A journal with three closed trades and one open one, written as tradingd writes them.
std::filesystem::path known_journal(const TempDir& dir) {
  const auto path = dir / "known.db";
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  JournalSchema::ensure(db);
  db.exec(R"SQL(
    INSERT INTO conditions (id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct,
                            position_size_usd, strategy_id, reasoning, valid_until_ms, created_at_ms, status,
                            status_reason, updated_ms, trailing_stop_pct, trailing_activation_pct, max_hold_ms,
                            oco_group) VALUES
      ('c1','BTC','LONG','ABOVE',100,0.02,0.015,50,'brk','',1800000000000,1700000000000,'TRIGGERED','T-c1',1700000001000,NULL,NULL,NULL,'g1'),
      ('c2','ETH','SHORT','BELOW',2000,0.02,0.015,40,'brk','',1800000000000,1700000000000,'TRIGGERED','T-c2',1700000002000,NULL,NULL,NULL,NULL),
      ('c3','BTC','LONG','ABOVE',110,0.02,0,30,'dip','',1800000000000,1700000000000,'TRIGGERED','T-c3',1700000003000,0.01,0,NULL,NULL),
      ('c4','SOL','LONG','BELOW',150,0.02,0.015,20,'dip','',1800000000000,1700000000000,'TRIGGERED','T-c4',1700000004000,0.01,0.005,600000,NULL),
      ('c5','SOL','LONG','ABOVE',500,0.02,0.015,20,'dip','',1800000000000,1700000000000,'ACTIVE','',1700000000000,NULL,NULL,NULL,NULL);
    INSERT INTO trades (id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms, stop_loss_price,
                        take_profit_price, exit_price, exit_ms, exit_reason, fees_usd, pnl_usd, status, strategy_id,
                        entry_mark, exit_mark, entry_fill, exit_fill, trailing_stop_pct, trailing_activation_pct,
                        max_hold_ms, best_price) VALUES
      ('T-c1','c1','BTC','LONG',50,0.5,100,1700000001000,98,101.5,101.5,1700000010000,'TAKE_PROFIT',0.10075,0.64925,'CLOSED','brk',99.9,101.6,'ask','bid',NULL,NULL,NULL,101.6),
      ('T-c2','c2','ETH','SHORT',40,0.02,2000,1700000002000,2040,1970,2040,1700000020000,'STOP_LOSS',0.0808,-0.8808,'CLOSED','brk',2001,2039,'bid','ask',NULL,NULL,NULL,2000),
      ('T-c3','c3','BTC','LONG',30,0.2727272727,110,1700000003000,107.8,NULL,111.65,1700000030000,'TRAILING_STOP',0.06045,0.38955,'CLOSED','dip',110,111.65,'trade','trade',0.01,0,NULL,112.8),
      ('T-c4','c4','SOL','LONG',20,0.1333333333,150,1700000004000,147,152.25,NULL,NULL,NULL,0.02,NULL,'OPEN','dip',150,NULL,'trade',NULL,0.01,0.005,600000,151);
    INSERT INTO balance (ts_ms, balance, reason, trade_id) VALUES
      (1700000000000,1000,'INITIAL',NULL),
      (1700000010000,1000.64925,'TRADE_CLOSED','T-c1'),
      (1700000020000,999.76845,'TRADE_CLOSED','T-c2'),
      (1700000030000,1000.158,'TRADE_CLOSED','T-c3');
  )SQL");
  return path;
}

// The line of `text` that starts with `prefix`.
std::string line_of(const std::string& text, const std::string& prefix) {
  const auto at = text.find("\n" + prefix);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

std::string run_cli(std::vector<std::string> args, int expected_code = 0) {
  std::ostringstream out, err;
  const int code = JournalCli::run(args, out, err, 1700000040000);
  INFO(err.str());
  CHECK(code == expected_code);
  return expected_code == 0 ? out.str() : err.str();
}

}  // namespace

TEST_CASE("JournalSummary: trades, win rate, P&L, fees and max drawdown per strategy and coin", "[journal][cli]") {
  // P&L curve of strategy s: +3, -1 (dd 1), -4 (dd 5), +2, +10 (new peak), -2 (dd 2): max drawdown 5.
  std::vector<TradeRow> trades = {closed("a", "BTC", "s", 3, 1),  closed("b", "ETH", "s", -1, 2),
                                  closed("c", "BTC", "s", -4, 3), closed("d", "ETH", "s", 2, 4),
                                  closed("e", "BTC", "s", 10, 5), closed("f", "BTC", "s", -2, 6)};
  std::swap(trades[0], trades[4]);  // input order must not matter: exit order does
  TradeRow open;
  open.id = "g";
  open.coin = "SOL";
  open.strategy_id = "";
  open.status = "OPEN";
  open.fees_usd = 0.05;
  trades.push_back(open);
  const auto s = JournalSummary::of(trades);
  const PerformanceRow& row = s.by_strategy.at("s");
  CHECK(row.closed == 6);
  CHECK(row.wins == 3);
  CHECK(row.win_rate() == Approx(0.5));
  CHECK(row.pnl_usd == Approx(8.0));
  CHECK(row.fees_usd == Approx(0.6));
  CHECK(row.max_drawdown_usd == Approx(5.0));
  CHECK(s.by_strategy.at("(none)").open == 1);
  // BTC alone: +3, -4 (dd 4), +10, -2: max drawdown 4.
  CHECK(s.by_coin.at("BTC").max_drawdown_usd == Approx(4.0));
  CHECK(s.by_coin.at("ETH").pnl_usd == Approx(1.0));
  CHECK(s.total.closed == 6);
  CHECK(s.total.open == 1);
  CHECK(s.total.fees_usd == Approx(0.65));
}

TEST_CASE("tradingd journal summary prints the per-strategy and per-coin tables", "[journal][cli]") {
  TempDir dir("journal-cli");
  const auto db = known_journal(dir).string();
  CHECK(run_cli({"--db", db, "summary"}) ==
        "By strategy\n"
        "       closed  open  wins  win_rate  pnl      fees    fill_cost  max_drawdown\n"
        "-----  ------  ----  ----  --------  -------  ------  ---------  ------------\n"
        "brk         2     0     1     50.0%  -0.2316  0.1815     0.1400        0.8808\n"
        "dip         1     1     1    100.0%  +0.3896  0.0804     0.0000        0.0000\n"
        "TOTAL       3     1     2     66.7%  +0.1580  0.2620     0.1400        0.8808\n"
        "\n"
        "By coin\n"
        "       closed  open  wins  win_rate  pnl      fees    fill_cost  max_drawdown\n"
        "-----  ------  ----  ----  --------  -------  ------  ---------  ------------\n"
        "BTC         2     0     2    100.0%  +1.0388  0.1612     0.1000        0.0000\n"
        "ETH         1     0     0      0.0%  -0.8808  0.0808     0.0400        0.8808\n"
        "SOL         0     1     0  -         +0.0000  0.0200     0.0000        0.0000\n"
        "TOTAL       3     1     2     66.7%  +0.1580  0.2620     0.1400        0.8808\n"
        "\n"
        "Exits by strategy\n"
        "       STOP_LOSS  TAKE_PROFIT  TRAILING_STOP  TIME_LIMIT  MANUAL  SHUTDOWN\n"
        "-----  ---------  -----------  -------------  ----------  ------  --------\n"
        "brk            1            1              0           0       0         0\n"
        "dip            0            0              1           0       0         0\n"
        "TOTAL          1            1              1           0       0         0\n"
        "fill_cost: USD the fills paid against the trade prices that decided them (spread and slippage)\n");
}

TEST_CASE("tradingd journal: open, recent, conditions and export", "[journal][cli]") {
  TempDir dir("journal-cli");
  const auto db = known_journal(dir).string();
  const std::string open = run_cli({"--db", db, "open"});
  INFO(open);
  CHECK(open.find("T-c4  SOL   LONG  20.00    150  trade  2023-11-14T22:13:24.000Z") != std::string::npos);
  const std::string recent = run_cli({"--db", db, "recent"});
  INFO(recent);
  CHECK(recent.find("T-c1  BTC   LONG   50.00    100  ask    2023-11-14T22:13:21.000Z   101.5  bid    TAKE_PROFIT") !=
        std::string::npos);
  CHECK(recent.find("T-c3  BTC   LONG   30.00    110  trade  2023-11-14T22:13:23.000Z  111.65  trade  TRAILING_STOP") !=
        std::string::npos);
  CHECK(open.find("1 trades") != std::string::npos);

  // now = 1700000040000: the last 0.01 h (36 s) holds T-c2 (entered 38 s before), not T-c1 (39 s).
  CHECK(run_cli({"--db", db, "recent", "--hours", "0.0106"}).find("3 trades") != std::string::npos);
  CHECK(run_cli({"--db", db, "recent"}).find("4 trades") != std::string::npos);
  // Finite hours only: inf or nan would become no count of milliseconds at all.
  for (const char* bad : {"nan", "inf", "-inf", "0", "-1", "1e300", "x"})
    CHECK_THAT(run_cli({"--db", db, "recent", "--hours", bad}, 2),
               Catch::Contains("--hours: must be a number > 0 and at most 876000 (100 years), got '"));

  const std::string active = run_cli({"--db", db, "conditions", "--status", "ACTIVE"});
  INFO(active);
  CHECK(active.find("c5  SOL   ABOVE 500  LONG  20.00  sl 2% tp 1.5%       ACTIVE") != std::string::npos);
  const std::string all = run_cli({"--db", db, "conditions"});
  INFO(all);
  CHECK(line_of(all, "c1 ").find("sl 2% tp 1.5%   ") != std::string::npos);
  CHECK(line_of(all, "c1 ").find(" g1   TRIGGERED  T-c1 ") != std::string::npos);
  CHECK(line_of(all, "c3 ").find(" sl 2% trail 1% ") != std::string::npos);
  CHECK(line_of(all, "c4 ").find(" sl 2% tp 1.5% trail 1% from +0.5% hold 600 s ") != std::string::npos);
  CHECK(active.find("1 conditions") != std::string::npos);

  const std::string csv = run_cli({"--db", db, "export", "--format", "csv"});
  INFO(csv);
  CHECK(csv.rfind("id,condition_id,coin,direction,size_usd,qty,entry_price,entry_ms,", 0) == 0);
  CHECK(csv.find("T-c2,c2,ETH,SHORT,40,0.02,2000,1700000002000,2040,1970,2040,1700000020000,STOP_LOSS,0.0808,-0.8808,"
                 "CLOSED,brk,2001,2039,bid,ask,,,,2000\n") != std::string::npos);
  CHECK(csv.find("T-c4,c4,SOL,LONG,20,0.1333333333,150,1700000004000,147,152.25,,,,0.02,,OPEN,dip,150,,trade,,0.01,"
                 "0.005,600000,151\n") != std::string::npos);
  const auto json = nlohmann::json::parse(run_cli({"--db", db, "export", "--format", "json", "--table", "balance"}));
  REQUIRE(json.size() == 4);
  CHECK(json[3]["balance"].get<double>() == Approx(1000.158));
  CHECK(json[0]["trade_id"].is_null());
}

TEST_CASE("tradingd journal: mistakes exit 2 and say what is wrong", "[journal][cli]") {
  TempDir dir("journal-cli");
  const auto db = known_journal(dir).string();
  CHECK(run_cli({"--db", db}, 2).find("which command?") != std::string::npos);
  CHECK(run_cli({"summary"}, 2).find("give --config FILE or --db FILE") != std::string::npos);
  CHECK(run_cli({"--db", (dir / "missing.db").string(), "summary"}, 2).find("missing.db: no such journal") !=
        std::string::npos);
  CHECK(run_cli({"--db", db, "conditions", "--status", "DONE"}, 2).find("--status: one of") != std::string::npos);
  CHECK(run_cli({"--db", db, "export", "--table", "secrets"}, 2).find("no table 'secrets'") != std::string::npos);
  CHECK(run_cli({"--db", db, "bogus"}, 2).find("unknown command: bogus") != std::string::npos);
}

TEST_CASE("tradingd journal check: 0 on a consistent journal and 1 naming each broken invariant", "[journal][cli]") {
  TempDir dir("journal-check");
  const auto db = known_journal(dir);
  {
    std::ostringstream out, err;
    REQUIRE(JournalCli::run({"--db", db.string(), "check"}, out, err, 1700000040000) == 0);
    CHECK(err.str().empty());
    CHECK(out.str() ==
          "journal " + db.string() + ": consistent (5 conditions, 4 trades, 1 open, 4 balance rows, 0 events)\n");
  }
  {
    // Break two rules of design.md §5: the balance no longer adds up, and an
    // OPEN trade claims an exit.
    SQLite::Database w(db.string(), SQLite::OPEN_READWRITE);
    w.exec("UPDATE balance SET balance = 1001 WHERE trade_id = 'T-c3'");
    w.exec("UPDATE trades SET pnl_usd = 0.5 WHERE id = 'T-c4'");
  }
  std::ostringstream out, err;
  CHECK(JournalCli::run({"--db", db.string(), "check"}, out, err, 1700000040000) == 1);
  const std::string text = out.str();
  CHECK(text.rfind("journal " + db.string() + ": 2 problems\n", 0) == 0);
  CHECK_THAT(text, Catch::Contains("  1 OPEN trades with an exit\n"));
  CHECK_THAT(text, Catch::Contains("  the balance 1001.000000 is not the initial 1000.000000 plus the closed trades'"));
  // Not a journal at all: 2, as every other command.
  CHECK(JournalCli::run({"--db", (dir / "none.db").string(), "check"}, out, err, 1700000040000) == 2);
}

TEST_CASE("tradingd journal summary --format json gives every figure at full precision for a program",
          "[journal][cli]") {
  TempDir dir("journal-cli-json");
  const auto db = known_journal(dir).string();
  const std::string text = run_cli({"--db", db, "summary", "--format", "json"});
  CHECK(text == run_cli({"--db", db, "summary", "--json"}));
  const auto doc = nlohmann::json::parse(text);
  const auto& brk = doc.at("by_strategy").at("brk");
  CHECK(brk.at("closed") == 2);
  CHECK(brk.at("open") == 0);
  CHECK(brk.at("wins") == 1);
  CHECK(brk.at("win_rate").get<double>() == Approx(0.5));
  CHECK(brk.at("pnl_usd").get<double>() == Approx(0.64925 - 0.8808));
  CHECK(brk.at("fees_usd").get<double>() == Approx(0.10075 + 0.0808));
  CHECK(brk.at("max_drawdown_usd").get<double>() == Approx(0.8808));
  CHECK(brk.at("exits") == nlohmann::json{{"STOP_LOSS", 1},
                                          {"TAKE_PROFIT", 1},
                                          {"TRAILING_STOP", 0},
                                          {"TIME_LIMIT", 0},
                                          {"MANUAL", 0},
                                          {"SHUTDOWN", 0}});
  CHECK(doc.at("by_strategy").at("dip").at("open") == 1);
  // A coin with no closed trade has no win rate, not 0 %.
  CHECK(doc.at("by_coin").at("SOL").at("win_rate").is_null());
  CHECK(doc.at("total").at("closed") == 3);
  CHECK(doc.at("total").at("pnl_usd").get<double>() == Approx(0.158));
  CHECK(doc.at("total").at("fill_cost_usd").get<double>() == Approx(0.14));
}
