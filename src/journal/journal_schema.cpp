#include "tradingd/journal/journal_schema.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <string>

namespace tradingd {
namespace {

constexpr const char* schema_v1 = R"SQL(
CREATE TABLE conditions (
  id                TEXT PRIMARY KEY,
  coin              TEXT NOT NULL,
  direction         TEXT NOT NULL CHECK (direction IN ('LONG','SHORT')),
  trigger_type      TEXT NOT NULL CHECK (trigger_type IN ('ABOVE','BELOW')),
  trigger_price     REAL NOT NULL,
  stop_loss_pct     REAL NOT NULL,
  take_profit_pct   REAL NOT NULL,
  position_size_usd REAL NOT NULL,
  strategy_id       TEXT NOT NULL DEFAULT '',
  reasoning         TEXT NOT NULL DEFAULT '',
  valid_until_ms    INTEGER NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  status            TEXT NOT NULL
                    CHECK (status IN ('ACTIVE','TRIGGERED','REJECTED','EXPIRED','CANCELLED')),
  status_reason     TEXT NOT NULL DEFAULT '',
  updated_ms        INTEGER NOT NULL
);
CREATE INDEX conditions_by_status ON conditions(status);

CREATE TABLE trades (
  id                TEXT PRIMARY KEY,
  condition_id      TEXT NOT NULL,
  coin              TEXT NOT NULL,
  direction         TEXT NOT NULL CHECK (direction IN ('LONG','SHORT')),
  size_usd          REAL NOT NULL,
  qty               REAL NOT NULL,
  entry_price       REAL NOT NULL,
  entry_ms          INTEGER NOT NULL,
  stop_loss_price   REAL NOT NULL,
  take_profit_price REAL NOT NULL,
  exit_price        REAL,
  exit_ms           INTEGER,
  exit_reason       TEXT CHECK (exit_reason IN ('STOP_LOSS','TAKE_PROFIT','MANUAL','SHUTDOWN')),
  fees_usd          REAL NOT NULL,
  pnl_usd           REAL,
  status            TEXT NOT NULL CHECK (status IN ('OPEN','CLOSED')),
  strategy_id       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX trades_by_status ON trades(status);
CREATE INDEX trades_by_entry ON trades(entry_ms);

CREATE TABLE balance (
  seq      INTEGER PRIMARY KEY,
  ts_ms    INTEGER NOT NULL,
  balance  REAL NOT NULL,
  reason   TEXT NOT NULL,
  trade_id TEXT
);

CREATE TABLE events (
  seq    INTEGER PRIMARY KEY,
  ts_ms  INTEGER NOT NULL,
  kind   TEXT NOT NULL,
  ref_id TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_ts ON events(ts_ms);
)SQL";

// v1 -> v2: a retried or replayed close can never credit the balance twice.
constexpr const char* migrate_to_v2 = R"SQL(
CREATE UNIQUE INDEX balance_once_per_trade ON balance(trade_id) WHERE trade_id IS NOT NULL;
)SQL";

// v2 -> v3 (design.md §5): exits beyond the fixed levels, OCO groups and fills
// priced from quotes. `trades` is rebuilt because SQLite cannot loosen a
// column's NOT NULL (a level may now be absent) or change a CHECK (the new exit
// reasons); its rows keep their rowid, so entry order is unchanged. Old trades
// were filled at the trade price: that is what their marks and fills say.
constexpr const char* migrate_to_v3 = R"SQL(
CREATE TABLE trades_v3 (
  id                TEXT PRIMARY KEY,
  condition_id      TEXT NOT NULL,
  coin              TEXT NOT NULL,
  direction         TEXT NOT NULL CHECK (direction IN ('LONG','SHORT')),
  size_usd          REAL NOT NULL,
  qty               REAL NOT NULL,
  entry_price       REAL NOT NULL,
  entry_ms          INTEGER NOT NULL,
  stop_loss_price   REAL,
  take_profit_price REAL,
  exit_price        REAL,
  exit_ms           INTEGER,
  exit_reason       TEXT CHECK (exit_reason IN
                    ('STOP_LOSS','TAKE_PROFIT','TRAILING_STOP','TIME_LIMIT','MANUAL','SHUTDOWN')),
  fees_usd          REAL NOT NULL,
  pnl_usd           REAL,
  status            TEXT NOT NULL CHECK (status IN ('OPEN','CLOSED')),
  strategy_id       TEXT NOT NULL DEFAULT '',
  entry_mark        REAL NOT NULL,
  exit_mark         REAL,
  entry_fill        TEXT NOT NULL DEFAULT 'trade' CHECK (entry_fill IN ('trade','bid','ask')),
  exit_fill         TEXT CHECK (exit_fill IN ('trade','bid','ask')),
  trailing_stop_pct       REAL,
  trailing_activation_pct REAL,
  max_hold_ms             INTEGER,
  best_price              REAL
);
INSERT INTO trades_v3 (rowid, id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms,
                       stop_loss_price, take_profit_price, exit_price, exit_ms, exit_reason, fees_usd, pnl_usd,
                       status, strategy_id, entry_mark, exit_mark, entry_fill, exit_fill, best_price)
  SELECT rowid, id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms,
         stop_loss_price, take_profit_price, exit_price, exit_ms, exit_reason, fees_usd, pnl_usd,
         status, strategy_id, entry_price, exit_price, 'trade',
         CASE WHEN exit_price IS NULL THEN NULL ELSE 'trade' END, NULL
  FROM trades;
DROP TABLE trades;
ALTER TABLE trades_v3 RENAME TO trades;
CREATE INDEX trades_by_status ON trades(status);
CREATE INDEX trades_by_entry ON trades(entry_ms);

ALTER TABLE conditions ADD COLUMN trailing_stop_pct REAL;
ALTER TABLE conditions ADD COLUMN trailing_activation_pct REAL;
ALTER TABLE conditions ADD COLUMN max_hold_ms INTEGER;
ALTER TABLE conditions ADD COLUMN oco_group TEXT;
CREATE INDEX conditions_by_oco_group ON conditions(oco_group) WHERE oco_group IS NOT NULL;
)SQL";

// v3 -> v4: the same constraints, written as = / OR chains instead of IN lists.
// SQLite checks `x IN (a, b, c)` by building a temporary b-tree of the list on
// every INSERT and UPDATE that evaluates it (a page allocated and zeroed each
// time): two thirds of the writer's work when a replay arms and cancels 1,000
// conditions (callgrind: 105 k -> 38 k instructions an insert and an update).
// SQLite cannot change a CHECK, so both tables are rebuilt; rows keep their rowid.
constexpr const char* migrate_to_v4 = R"SQL(
CREATE TABLE conditions_v4 (
  id                TEXT PRIMARY KEY,
  coin              TEXT NOT NULL,
  direction         TEXT NOT NULL CHECK (direction = 'LONG' OR direction = 'SHORT'),
  trigger_type      TEXT NOT NULL CHECK (trigger_type = 'ABOVE' OR trigger_type = 'BELOW'),
  trigger_price     REAL NOT NULL,
  stop_loss_pct     REAL NOT NULL,
  take_profit_pct   REAL NOT NULL,
  position_size_usd REAL NOT NULL,
  strategy_id       TEXT NOT NULL DEFAULT '',
  reasoning         TEXT NOT NULL DEFAULT '',
  valid_until_ms    INTEGER NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  status            TEXT NOT NULL
                    CHECK (status = 'ACTIVE' OR status = 'TRIGGERED' OR status = 'REJECTED' OR
                           status = 'EXPIRED' OR status = 'CANCELLED'),
  status_reason     TEXT NOT NULL DEFAULT '',
  updated_ms        INTEGER NOT NULL,
  trailing_stop_pct       REAL,
  trailing_activation_pct REAL,
  max_hold_ms             INTEGER,
  oco_group               TEXT
);
INSERT INTO conditions_v4 (rowid, id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct,
                           position_size_usd, strategy_id, reasoning, valid_until_ms, created_at_ms, status,
                           status_reason, updated_ms, trailing_stop_pct, trailing_activation_pct, max_hold_ms,
                           oco_group)
  SELECT rowid, id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct, position_size_usd,
         strategy_id, reasoning, valid_until_ms, created_at_ms, status, status_reason, updated_ms,
         trailing_stop_pct, trailing_activation_pct, max_hold_ms, oco_group
  FROM conditions;
DROP TABLE conditions;
ALTER TABLE conditions_v4 RENAME TO conditions;
CREATE INDEX conditions_by_status ON conditions(status);
CREATE INDEX conditions_by_oco_group ON conditions(oco_group) WHERE oco_group IS NOT NULL;

CREATE TABLE trades_v4 (
  id                TEXT PRIMARY KEY,
  condition_id      TEXT NOT NULL,
  coin              TEXT NOT NULL,
  direction         TEXT NOT NULL CHECK (direction = 'LONG' OR direction = 'SHORT'),
  size_usd          REAL NOT NULL,
  qty               REAL NOT NULL,
  entry_price       REAL NOT NULL,
  entry_ms          INTEGER NOT NULL,
  stop_loss_price   REAL,
  take_profit_price REAL,
  exit_price        REAL,
  exit_ms           INTEGER,
  exit_reason       TEXT CHECK (exit_reason = 'STOP_LOSS' OR exit_reason = 'TAKE_PROFIT' OR
                         exit_reason = 'TRAILING_STOP' OR exit_reason = 'TIME_LIMIT' OR
                         exit_reason = 'MANUAL' OR exit_reason = 'SHUTDOWN'),
  fees_usd          REAL NOT NULL,
  pnl_usd           REAL,
  status            TEXT NOT NULL CHECK (status = 'OPEN' OR status = 'CLOSED'),
  strategy_id       TEXT NOT NULL DEFAULT '',
  entry_mark        REAL NOT NULL,
  exit_mark         REAL,
  entry_fill        TEXT NOT NULL DEFAULT 'trade'
                    CHECK (entry_fill = 'trade' OR entry_fill = 'bid' OR entry_fill = 'ask'),
  exit_fill         TEXT CHECK (exit_fill = 'trade' OR exit_fill = 'bid' OR exit_fill = 'ask'),
  trailing_stop_pct       REAL,
  trailing_activation_pct REAL,
  max_hold_ms             INTEGER,
  best_price              REAL
);
INSERT INTO trades_v4 (rowid, id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms,
                       stop_loss_price, take_profit_price, exit_price, exit_ms, exit_reason, fees_usd, pnl_usd,
                       status, strategy_id, entry_mark, exit_mark, entry_fill, exit_fill, trailing_stop_pct,
                       trailing_activation_pct, max_hold_ms, best_price)
  SELECT rowid, id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms, stop_loss_price,
         take_profit_price, exit_price, exit_ms, exit_reason, fees_usd, pnl_usd, status, strategy_id,
         entry_mark, exit_mark, entry_fill, exit_fill, trailing_stop_pct, trailing_activation_pct, max_hold_ms,
         best_price
  FROM trades;
DROP TABLE trades;
ALTER TABLE trades_v4 RENAME TO trades;
CREATE INDEX trades_by_status ON trades(status);
CREATE INDEX trades_by_entry ON trades(entry_ms);
)SQL";

// A new journal at the current version in one script: the tables and indexes
// that the migrations above build step by step (a unit test holds the two to
// the same schema), without their rebuild of `trades` and schema rewrites,
// which were half the cost of creating a journal (replays and sweeps create
// one every run). Columns in the migrated order.
constexpr const char* schema_current = R"SQL(
CREATE TABLE conditions (
  id                TEXT PRIMARY KEY,
  coin              TEXT NOT NULL,
  direction         TEXT NOT NULL CHECK (direction = 'LONG' OR direction = 'SHORT'),
  trigger_type      TEXT NOT NULL CHECK (trigger_type = 'ABOVE' OR trigger_type = 'BELOW'),
  trigger_price     REAL NOT NULL,
  stop_loss_pct     REAL NOT NULL,
  take_profit_pct   REAL NOT NULL,
  position_size_usd REAL NOT NULL,
  strategy_id       TEXT NOT NULL DEFAULT '',
  reasoning         TEXT NOT NULL DEFAULT '',
  valid_until_ms    INTEGER NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  status            TEXT NOT NULL
                    CHECK (status = 'ACTIVE' OR status = 'TRIGGERED' OR status = 'REJECTED' OR
                           status = 'EXPIRED' OR status = 'CANCELLED'),
  status_reason     TEXT NOT NULL DEFAULT '',
  updated_ms        INTEGER NOT NULL,
  trailing_stop_pct       REAL,
  trailing_activation_pct REAL,
  max_hold_ms             INTEGER,
  oco_group               TEXT
);
CREATE INDEX conditions_by_status ON conditions(status);
CREATE INDEX conditions_by_oco_group ON conditions(oco_group) WHERE oco_group IS NOT NULL;
CREATE TABLE trades (
  id                TEXT PRIMARY KEY,
  condition_id      TEXT NOT NULL,
  coin              TEXT NOT NULL,
  direction         TEXT NOT NULL CHECK (direction = 'LONG' OR direction = 'SHORT'),
  size_usd          REAL NOT NULL,
  qty               REAL NOT NULL,
  entry_price       REAL NOT NULL,
  entry_ms          INTEGER NOT NULL,
  stop_loss_price   REAL,
  take_profit_price REAL,
  exit_price        REAL,
  exit_ms           INTEGER,
  exit_reason       TEXT CHECK (exit_reason = 'STOP_LOSS' OR exit_reason = 'TAKE_PROFIT' OR
                         exit_reason = 'TRAILING_STOP' OR exit_reason = 'TIME_LIMIT' OR
                         exit_reason = 'MANUAL' OR exit_reason = 'SHUTDOWN'),
  fees_usd          REAL NOT NULL,
  pnl_usd           REAL,
  status            TEXT NOT NULL CHECK (status = 'OPEN' OR status = 'CLOSED'),
  strategy_id       TEXT NOT NULL DEFAULT '',
  entry_mark        REAL NOT NULL,
  exit_mark         REAL,
  entry_fill        TEXT NOT NULL DEFAULT 'trade'
                    CHECK (entry_fill = 'trade' OR entry_fill = 'bid' OR entry_fill = 'ask'),
  exit_fill         TEXT CHECK (exit_fill = 'trade' OR exit_fill = 'bid' OR exit_fill = 'ask'),
  trailing_stop_pct       REAL,
  trailing_activation_pct REAL,
  max_hold_ms             INTEGER,
  best_price              REAL
);
CREATE INDEX trades_by_status ON trades(status);
CREATE INDEX trades_by_entry ON trades(entry_ms);
CREATE TABLE balance (
  seq      INTEGER PRIMARY KEY,
  ts_ms    INTEGER NOT NULL,
  balance  REAL NOT NULL,
  reason   TEXT NOT NULL,
  trade_id TEXT
);
CREATE UNIQUE INDEX balance_once_per_trade ON balance(trade_id) WHERE trade_id IS NOT NULL;
CREATE TABLE events (
  seq    INTEGER PRIMARY KEY,
  ts_ms  INTEGER NOT NULL,
  kind   TEXT NOT NULL,
  ref_id TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_ts ON events(ts_ms);
)SQL";

// migrations[v] takes a database from version v to v + 1 (0: empty to v1).
constexpr const char* migrations[] = {schema_v1, migrate_to_v2, migrate_to_v3, migrate_to_v4};
static_assert(std::size(migrations) == JournalSchema::current_version);

void migrate(SQLite::Database& db, int from, int to) {
  SQLite::Transaction tx(db);
  for (int v = from; v < to; ++v) db.exec(migrations[v]);
  db.exec("PRAGMA user_version = " + std::to_string(to));
  tx.commit();
}

}  // namespace

void JournalSchema::create_at(SQLite::Database& db, int version) {
  migrate(db, 0, version);
}

void JournalSchema::configure_writer(SQLite::Database& db) {
  db.exec("PRAGMA journal_mode=WAL");
  // WAL + NORMAL: a committed transaction survives a process crash (kill -9);
  // only an OS crash or power cut can lose the last commits.
  db.exec("PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA foreign_keys=ON");
  db.setBusyTimeout(5000);
}

bool JournalSchema::ensure(SQLite::Database& db) {
  const int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version == current_version) return false;
  if (version > current_version)
    throw std::runtime_error(db.getFilename() + ": journal schema version " + std::to_string(version) +
                             " is newer than this tradingd understands (" + std::to_string(current_version) +
                             "); use a newer tradingd");
  if (version == 0) {
    const int tables = db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type='table'").getInt();
    if (tables != 0)
      throw std::runtime_error(db.getFilename() +
                               ": has tables but no journal schema version; not a tradingd journal?");
    // A new journal is made in WAL mode from its first table: its creation
    // commits without the rollback journal's fsyncs (a replay or a sweep
    // starts on a new journal every time).
    configure_writer(db);
    SQLite::Transaction tx(db);
    db.exec(schema_current);
    db.exec("PRAGMA user_version = " + std::to_string(current_version));
    tx.commit();
    return true;
  }
  // Every version has these four tables; a database without them is not a
  // journal, whatever its user_version says, and is left untouched.
  for (const char* table : {"conditions", "trades", "balance", "events"}) {
    SQLite::Statement q(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?");
    q.bind(1, table);
    q.executeStep();
    if (q.getColumn(0).getInt() == 0)
      throw std::runtime_error(db.getFilename() + ": journal schema version " + std::to_string(version) +
                               " but no table '" + table + "'; not a tradingd journal, or a damaged one");
  }
  // An older journal: keep a consistent copy of it as it was, then migrate.
  const std::string backup = db.getFilename() + ".bak-v" + std::to_string(version);
  if (std::filesystem::exists(backup))
    throw std::runtime_error(backup + " already exists: move it away so the migration can keep a fresh backup");
  SQLite::Statement vacuum(db, "VACUUM INTO ?");
  vacuum.bind(1, backup);
  vacuum.exec();
  try {
    migrate(db, version, current_version);
  } catch (const std::exception& e) {
    throw std::runtime_error(db.getFilename() + ": migrating the journal from schema version " +
                             std::to_string(version) + " failed (" + e.what() +
                             "); it is unchanged, and a copy is kept as " + backup);
  }
  spdlog::info("journal {}: migrated from schema version {} to {}; the old journal is kept as {}", db.getFilename(),
               version, current_version, backup);
  return false;
}

void JournalSchema::configure_library() noexcept {
  (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // SQLITE_MISUSE once initialised: then a no-op
}

}  // namespace tradingd
