#pragma once
// JournalIdHistory: "was this condition id ever armed?" answered by the
// journal, so memory does not grow with the number of conditions ever armed
// (the journal's primary key already keeps every id). Ids armed but not yet
// committed by the writer thread are held in memory until the journal's
// committed-record count passes them: at most what the queue holds.
//
// io thread only. contains() is a primary-key lookup on its own read-only
// connection (WAL: it never waits for the writer); it runs on the arm path
// (conditions file, POST /conditions), never per tick.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

#include "tradingd/domain/trade_condition.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/sniper/id_history.hpp"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace tradingd {

class TradeJournal;

class JournalIdHistory final : public IdHistory {
 public:
  // After `journal` has opened (and created) the database at db_path.
  JournalIdHistory(const std::filesystem::path& db_path, const TradeJournal& journal);
  ~JournalIdHistory() override;
  JournalIdHistory(const JournalIdHistory&) = delete;
  JournalIdHistory& operator=(const JournalIdHistory&) = delete;

  [[nodiscard]] bool contains(std::string_view id) const override;
  void add(const std::string& id) override;
  // Ids armed and not yet known to be committed.
  [[nodiscard]] std::size_t pending() const;

  // A condition just armed, kept whole until its row is committed, so recall()
  // can answer for it meanwhile (a strategist retrying at once).
  void remember(const TradeCondition& condition);
  // The condition armed under `id` as the journal keeps it, with its status
  // then ("ACTIVE" for one not yet committed); nullopt when the id was never
  // armed. For idempotent arming: a retry with the same body gets this back.
  [[nodiscard]] std::optional<ConditionRow> recall(std::string_view id) const;

 private:
  void prune() const;

  const TradeJournal& journal_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<SQLite::Statement> lookup_;
  // (the submission number of its ConditionArmed record, id), in submission order.
  mutable std::deque<std::pair<std::uint64_t, std::string>> pending_;
  mutable std::unordered_set<std::string> pending_ids_;
  // (the submission number of its ConditionArmed record, the condition): see remember().
  mutable std::deque<std::pair<std::uint64_t, TradeCondition>> remembered_;
  // The last id the journal was asked for and did not have (see contains()).
  mutable std::optional<std::string> last_absent_;
  std::unique_ptr<SQLite::Statement> row_;
};

}  // namespace tradingd
