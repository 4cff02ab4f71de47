#include "tradingd/journal/journal_id_history.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "tradingd/journal/trade_journal.hpp"

namespace tradingd {

JournalIdHistory::JournalIdHistory(const std::filesystem::path& db_path, const TradeJournal& journal)
    : journal_(journal),
      // NOMUTEX: only the io thread reads through this connection.
      db_(std::make_unique<SQLite::Database>(db_path.string(), SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX)),
      lookup_(std::make_unique<SQLite::Statement>(*db_, "SELECT 1 FROM conditions WHERE id = ?")),
      row_(std::make_unique<SQLite::Statement>(
          *db_, std::string("SELECT ") + ConditionRow::columns + " FROM conditions WHERE id = ?")) {
  db_->setBusyTimeout(5000);
}

JournalIdHistory::~JournalIdHistory() = default;

void JournalIdHistory::prune() const {
  const std::uint64_t committed = journal_.committed_records();
  while (!pending_.empty() && pending_.front().first <= committed) {
    pending_ids_.erase(pending_.front().second);
    pending_.pop_front();
  }
  while (!remembered_.empty() && remembered_.front().first <= committed) remembered_.pop_front();
}

bool JournalIdHistory::contains(std::string_view id) const {
  // Arming asks twice for the same new id (is it known? then arm() itself):
  // an id the journal lacked stays absent until add() (only this thread arms),
  // so the second question needs no second read transaction.
  if (last_absent_ && *last_absent_ == id) return false;
  prune();
  const std::string key(id);
  if (pending_ids_.count(key) != 0) return true;
  lookup_->reset();
  lookup_->bind(1, key);
  const bool found = lookup_->executeStep();
  lookup_->reset();  // ends the read transaction: the next lookup sees newer commits
  if (!found) last_absent_ = key;
  return found;
}

void JournalIdHistory::add(const std::string& id) {
  if (last_absent_ && *last_absent_ == id) last_absent_.reset();
  prune();
  pending_.emplace_back(journal_.submitted_records() + 1, id);
  pending_ids_.insert(id);
}

void JournalIdHistory::remember(const TradeCondition& condition) {
  prune();
  remembered_.emplace_back(journal_.submitted_records(), condition);
}

std::optional<ConditionRow> JournalIdHistory::recall(std::string_view id) const {
  prune();
  for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
    if (it->second.id == id) return ConditionRow{it->second, "ACTIVE", "", 0};
  row_->reset();
  row_->bind(1, std::string(id));
  std::optional<ConditionRow> found;
  if (row_->executeStep()) found = ConditionRow::read(*row_);
  row_->reset();  // ends the read transaction, as in contains()
  return found;
}

std::size_t JournalIdHistory::pending() const {
  prune();
  return pending_.size();
}

}  // namespace tradingd
