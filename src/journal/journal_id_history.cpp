#include "tradingd/journal/journal_id_history.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "tradingd/journal/trade_journal.hpp"

namespace tradingd {

JournalIdHistory::JournalIdHistory(const std::filesystem::path& db_path, const TradeJournal& journal)
    : journal_(journal),
      db_(std::make_unique<SQLite::Database>(db_path.string(), SQLite::OPEN_READONLY)),
      lookup_(std::make_unique<SQLite::Statement>(*db_, "SELECT 1 FROM conditions WHERE id = ?")) {
  db_->setBusyTimeout(5000);
}

JournalIdHistory::~JournalIdHistory() = default;

void JournalIdHistory::prune() const {
  const std::uint64_t committed = journal_.committed_records();
  while (!pending_.empty() && pending_.front().first <= committed) {
    pending_ids_.erase(pending_.front().second);
    pending_.pop_front();
  }
}

bool JournalIdHistory::contains(std::string_view id) const {
  prune();
  const std::string key(id);
  if (pending_ids_.count(key) != 0) return true;
  lookup_->reset();
  lookup_->bind(1, key);
  const bool found = lookup_->executeStep();
  lookup_->reset();  // ends the read transaction: the next lookup sees newer commits
  return found;
}

void JournalIdHistory::add(const std::string& id) {
  prune();
  pending_.emplace_back(journal_.submitted_records() + 1, id);
  pending_ids_.insert(id);
}

std::size_t JournalIdHistory::pending() const {
  prune();
  return pending_.size();
}

}  // namespace tradingd
