#pragma once
// JournalSchema: the journal's tables (design.md §5, contract) and its version in
// PRAGMA user_version. Start-up only, on the thread that opens the database.

namespace SQLite {
class Database;
}

namespace tradingd {

// Versions (PRAGMA user_version), each a migration from the one before:
//   1  the tables of design.md §5
//   2  a close is credited to the balance at most once (unique balance.trade_id)
//   3  trailing stops, time limits, OCO groups and quote fills: marks, fill
//      bases and best prices on trades; optional levels; new exit reasons
class JournalSchema {
 public:
  static constexpr int current_version = 4;
  // Creates the schema on an empty database, or migrates an older one: first
  // a consistent copy to "<db>.bak-v<N>" (VACUUM INTO), then every migration
  // in one transaction, so a failure leaves the old version intact. Throws
  // std::runtime_error with a clear message on a database written by a newer
  // tradingd, or on one that is not a journal. True when it created the
  // schema: the database was empty, so it holds no rows.
  static bool ensure(SQLite::Database& db);
  // For tests: an empty database brought to exactly `version`.
  static void create_at(SQLite::Database& db, int version);
  // Nothing is written before the database is known to be a journal (or empty).
  // Connection settings every writer connection uses (WAL, busy timeout): after
  // ensure(), so a foreign database is never switched to WAL.
  static void configure_writer(SQLite::Database& db);
  // Process-wide SQLite settings: main(), before any database is opened (later
  // it changes nothing). Turns off SQLite's memory statistics, which take a
  // global mutex on every allocation; tradingd never reads them.
  static void configure_library() noexcept;
};

}  // namespace tradingd
