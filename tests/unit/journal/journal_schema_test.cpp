// Journal durability pieces: schema migrations, the single-daemon lock and
// the start-up integrity check.

#include <SQLiteCpp/SQLiteCpp.h>

#include <unistd.h>

#include <cctype>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "test_process.hpp"
#include "tradingd/journal/journal_lock.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/journal/journal_schema.hpp"

using namespace tradingd;
using tradingd::test::TempDir;

namespace {

int user_version(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

// One condition that fired and closed with a profit, as tradingd writes it,
// in the columns every schema version has; from v3 on a trade has its marks
// and fills too.
void write_one_closed_trade(SQLite::Database& db) {
  const bool v3 = db.execAndGet("PRAGMA user_version").getInt() >= 3;
  db.exec(R"SQL(
    INSERT INTO conditions (id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct,
                            position_size_usd, strategy_id, reasoning, valid_until_ms, created_at_ms, status,
                            status_reason, updated_ms)
      VALUES ('c1','BTC','LONG','ABOVE',100,0.02,0.015,50,'s','',1800000000000,1700000000000,
              'TRIGGERED','T-c1',1700000001000);
    INSERT INTO balance (ts_ms, balance, reason, trade_id) VALUES (1700000000000,1000,'INITIAL',NULL),
                                                                 (1700000010000,1000.64925,'TRADE_CLOSED','T-c1');
  )SQL");
  db.exec(std::string(R"SQL(
    INSERT INTO trades (id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms, stop_loss_price,
                        take_profit_price, exit_price, exit_ms, exit_reason, fees_usd, pnl_usd, status, strategy_id)SQL") +
          (v3 ? ", entry_mark, exit_mark, entry_fill, exit_fill" : "") + R"SQL()
      VALUES ('T-c1','c1','BTC','LONG',50,0.5,100,1700000001000,98,101.5,101.5,1700000010000,
              'TAKE_PROFIT',0.10075,0.64925,'CLOSED','s')SQL" +
          (v3 ? ",100,101.5,'trade','trade'" : "") + ")");
}

}  // namespace

TEST_CASE("A new journal is created at the current schema version", "[journal][schema]") {
  TempDir dir("schema");
  const auto path = (dir / "j.db").string();
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::ensure(db);
  }
  CHECK(user_version(path) == JournalSchema::current_version);
  CHECK_FALSE(std::filesystem::exists(path + ".bak-v0"));
}

TEST_CASE("Each older version migrates to the current one, keeping a backup and every row", "[journal][schema]") {
  for (int from = 1; from < JournalSchema::current_version; ++from) {
    INFO("from version " << from);
    TempDir dir("schema");
    const auto path = (dir / "j.db").string();
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      JournalSchema::create_at(db, from);
      write_one_closed_trade(db);
    }
    REQUIRE(user_version(path) == from);
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      JournalSchema::ensure(db);
    }
    CHECK(user_version(path) == JournalSchema::current_version);
    const std::string backup = path + ".bak-v" + std::to_string(from);
    REQUIRE(std::filesystem::exists(backup));
    CHECK(user_version(backup) == from);
    for (const auto& p : {path, backup}) {
      SQLite::Database db(p, SQLite::OPEN_READONLY);
      CHECK(db.execAndGet("SELECT count(*) FROM trades").getInt() == 1);
      CHECK(db.execAndGet("SELECT balance FROM balance ORDER BY seq DESC LIMIT 1").getDouble() == 1000.64925);
    }
    // v2: a close can no longer be credited twice.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    CHECK_THROWS(db.exec("INSERT INTO balance (ts_ms, balance, reason, trade_id) VALUES (1,2,'TRADE_CLOSED','T-c1')"));
    CHECK(JournalReader(path).integrity_problems().empty());
  }
}

// Every table, column (name, type, NOT NULL, default, key, order), index
// (columns, uniqueness, partial WHERE) and CHECK of a database, compared by
// SQLite's own account and by the statements' text with whitespace and
// quotes dropped; order of creation aside.
std::set<std::string> schema_of(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  std::set<std::string> out;
  SQLite::Statement objects(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master");
  while (objects.executeStep()) {
    std::string sql;
    for (const char c : objects.getColumn(3).getString())
      if (!std::isspace(static_cast<unsigned char>(c)) && c != '"') sql += c;
    out.insert(objects.getColumn(0).getString() + " " + objects.getColumn(1).getString() + " on " +
               objects.getColumn(2).getString() + ": " + sql);
    if (objects.getColumn(0).getString() != "table") continue;
    SQLite::Statement cols(db,
                           "SELECT cid, name, type, \"notnull\", coalesce(dflt_value, 'NULL'), pk FROM "
                           "pragma_table_info(?)");
    cols.bind(1, objects.getColumn(1).getString());
    while (cols.executeStep())
      out.insert(objects.getColumn(1).getString() + " column " + cols.getColumn(0).getString() + " " +
                 cols.getColumn(1).getString() + " " + cols.getColumn(2).getString() + " notnull " +
                 cols.getColumn(3).getString() + " default " + cols.getColumn(4).getString() + " pk " +
                 cols.getColumn(5).getString());
  }
  return out;
}

TEST_CASE("A new journal has exactly the schema an old one migrates to", "[journal][schema]") {
  // New journals are created at the current version in one script, old ones
  // migrated step by step: both must end with the same tables, columns,
  // constraints and indexes, or a migrated journal would behave differently.
  TempDir dir("schema");
  const auto fresh = (dir / "new.db").string(), migrated = (dir / "old.db").string();
  {
    SQLite::Database db(fresh, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::ensure(db);
  }
  {
    SQLite::Database db(migrated, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::create_at(db, 1);
  }
  {
    SQLite::Database db(migrated, SQLite::OPEN_READWRITE);
    JournalSchema::ensure(db);
  }
  REQUIRE(user_version(fresh) == user_version(migrated));
  const auto a = schema_of(fresh), b = schema_of(migrated);
  for (const auto& line : a) CHECK(b.count(line) == 1);  // each difference named
  for (const auto& line : b) CHECK(a.count(line) == 1);
  CHECK(a.size() > 60);  // 4 tables, their columns and 9 indexes
}

TEST_CASE("A migration does not overwrite an earlier backup", "[journal][schema]") {
  TempDir dir("schema");
  const auto path = (dir / "j.db").string();
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::create_at(db, 1);
  }
  test::write_file(path + ".bak-v1", "precious");
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  CHECK_THROWS_WITH(JournalSchema::ensure(db), Catch::Contains(".bak-v1 already exists"));
  CHECK(user_version(path) == 1);  // untouched
  CHECK(test::read_file(path + ".bak-v1") == "precious");
}

TEST_CASE("A journal from a newer tradingd, or a database that is no journal, is refused", "[journal][schema]") {
  TempDir dir("schema");
  const auto newer = (dir / "newer.db").string();
  {
    SQLite::Database db(newer, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::ensure(db);
    db.exec("PRAGMA user_version = 99");
  }
  {
    SQLite::Database db(newer, SQLite::OPEN_READWRITE);
    CHECK_THROWS_WITH(JournalSchema::ensure(db),
                      Catch::Contains("journal schema version 99 is newer than this tradingd understands (" +
                                      std::to_string(JournalSchema::current_version) + ")"));
  }
  const auto other = (dir / "other.db").string();
  SQLite::Database db(other, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE notes (x TEXT)");
  CHECK_THROWS_WITH(JournalSchema::ensure(db), Catch::Contains("not a tradingd journal"));
}

TEST_CASE("One daemon per journal: a second lock is refused naming the holder", "[journal][lock]") {
  TempDir dir("lock");
  const auto path = dir / "j.db";
  {
    const JournalLock first(path);
    CHECK_THROWS_WITH(JournalLock(path),
                      Catch::Contains("j.db is in use by another tradingd (pid " + std::to_string(::getpid()) + ")"));
  }
  CHECK_NOTHROW(JournalLock(path));  // released with its holder
}

TEST_CASE("The start-up check names what is inconsistent", "[journal][integrity]") {
  TempDir dir("integrity");
  const auto path = (dir / "j.db").string();
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::ensure(db);
    write_one_closed_trade(db);
  }
  CHECK(JournalReader(path).integrity_problems().empty());
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM balance WHERE trade_id = 'T-c1'");
    db.exec("UPDATE conditions SET status = 'ACTIVE'");
  }
  const auto problems = JournalReader(path).integrity_problems();
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] == "1 trades whose condition is not TRIGGERED");
  CHECK(problems[1] == "1 CLOSED trades missing from the balance");
  CHECK_THAT(problems[2], Catch::StartsWith("the balance 1000.000000 is not the initial 1000.000000 plus the closed "
                                            "trades' P&L 0.649250"));
}
