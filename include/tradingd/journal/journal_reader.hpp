#pragma once
// JournalReader: a read-only connection to the journal, for start-up recovery
// and for readers (get_recent, the journal CLI later). WAL lets it read while
// the writer thread writes. Blocking I/O: never call it on the io thread once
// trading runs.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tradingd/domain/trade_condition.hpp"
#include "tradingd/journal/condition_row.hpp"
#include "tradingd/journal/journal_event.hpp"
#include "tradingd/journal/trade_row.hpp"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace tradingd {

// What a restart needs from the journal (design.md §5: the database is the truth).
struct RecoveredState {
  std::optional<double> balance;                  // the last balance row, if any
  std::vector<TradeRow> open_trades;              // status OPEN, in entry order
  std::vector<TradeCondition> active_conditions;  // status ACTIVE, in arming order
  // Per coin, the last close at a loss by STOP_LOSS or TRAILING_STOP: where a cooldown starts.
  std::vector<std::pair<std::string, std::int64_t>> last_losing_stops;
};

// A whole table as stored, for export: each cell NULL, an integer, a real or text.
struct TableDump {
  using Cell = std::variant<std::monostate, std::int64_t, double, std::string>;
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

class JournalReader {
 public:
  explicit JournalReader(const std::filesystem::path& db_path);
  ~JournalReader();
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  [[nodiscard]] RecoveredState load_state() const;
  // What is wrong with this journal, empty when nothing: PRAGMA quick_check,
  // then design.md §5's consistency rules (balance = the INITIAL row + the P&L
  // of closed trades; no trade both open and closed; every trade's condition
  // TRIGGERED and every TRIGGERED condition with its trade; each close
  // credited once). Start-up refuses a journal with problems.
  [[nodiscard]] std::vector<std::string> integrity_problems() const;
  // How many rows each table holds (and how many trades are OPEN).
  struct TableCounts {
    std::int64_t conditions = 0, trades = 0, open_trades = 0, balance = 0, events = 0;
  };
  [[nodiscard]] TableCounts table_counts() const;
  // Trades entered at or after since_ms, oldest first; with a limit, only the newest `limit`.
  [[nodiscard]] std::vector<TradeRow> trades_since(std::int64_t since_ms, std::int64_t limit = -1) const;
  [[nodiscard]] std::vector<TradeRow> open_trades() const;
  // Every condition, in arming order; only those with `status` when it is not empty.
  [[nodiscard]] std::vector<ConditionRow> conditions(const std::string& status = "") const;
  // Events with after < seq <= upto, in seq order, at most `limit`: the same
  // values the writer handed its listener when it committed them (the strategy
  // of the condition or trade an event is about, CONDITION_REFUSED none). A
  // detail that is not a JSON object of at most 64 KiB (a hand-edited row)
  // comes back as {"unreadable_detail": "<its first 1,000 bytes>"}.
  [[nodiscard]] std::vector<JournalEvent> events_after(std::int64_t after, std::int64_t upto, std::size_t limit) const;
  // conditions, trades, balance or events; throws std::invalid_argument for another name.
  [[nodiscard]] TableDump dump(const std::string& table) const;

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace tradingd
