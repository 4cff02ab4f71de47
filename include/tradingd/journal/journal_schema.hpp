#pragma once
// JournalSchema: the journal's tables (DESIGN §5, contract) and its version in
// PRAGMA user_version. Start-up only, on the thread that opens the database.

namespace SQLite {
class Database;
}

namespace tradingd {

class JournalSchema {
 public:
  static constexpr int current_version = 1;
  // Creates the schema on an empty database; throws std::runtime_error with a
  // clear message on a database written by a newer tradingd.
  static void ensure(SQLite::Database& db);
  // Connection settings every writer connection uses (WAL, busy timeout).
  static void configure_writer(SQLite::Database& db);
};

}  // namespace tradingd
