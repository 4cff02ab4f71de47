#include "tradingd/journal/journal_id_history.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "tradingd/journal/trade_journal.hpp"

namespace tradingd {

JournalIdHistory::JournalIdHistory(const std::filesystem::path& db_path, const TradeJournal& journal)
    : journal_(journal),
      db_(std::make_unique<SQLite::Database>(db_path.string(), SQLite::OPEN_READONLY)),
      lookup_(std::make_unique<SQLite::Statement>(*db_, "SELECT 1 FROM conditions WHERE id = ?")),
      row_(std::make_unique<SQLite::Statement>(
          *db_,
          "SELECT coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct, position_size_usd, "
          "strategy_id, reasoning, valid_until_ms, created_at_ms, trailing_stop_pct, trailing_activation_pct, "
          "max_hold_ms, oco_group, status FROM conditions WHERE id = ?")) {
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

void JournalIdHistory::remember(const TradeCondition& condition) {
  prune();
  remembered_.emplace_back(journal_.submitted_records(), condition);
}

std::optional<JournalIdHistory::Recalled> JournalIdHistory::recall(std::string_view id) const {
  prune();
  for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
    if (it->second.id == id) return Recalled{it->second, "ACTIVE"};
  row_->reset();
  row_->bind(1, std::string(id));
  if (!row_->executeStep()) {
    row_->reset();
    return std::nullopt;
  }
  Recalled r;
  TradeCondition& c = r.condition;
  c.id = std::string(id);
  c.coin = row_->getColumn(0).getString();
  c.direction = parse_direction(row_->getColumn(1).getString()).value_or(Direction::Long);
  c.trigger_type = parse_trigger_type(row_->getColumn(2).getString()).value_or(TriggerType::Above);
  c.trigger_price = row_->getColumn(3).getDouble();
  c.stop_loss_pct = row_->getColumn(4).getDouble();
  c.take_profit_pct = row_->getColumn(5).getDouble();
  c.position_size_usd = row_->getColumn(6).getDouble();
  c.strategy_id = row_->getColumn(7).getString();
  c.reasoning = row_->getColumn(8).getString();
  c.valid_until_ms = row_->getColumn(9).getInt64();
  c.created_at_ms = row_->getColumn(10).getInt64();
  if (!row_->getColumn(11).isNull()) c.trailing_stop_pct = row_->getColumn(11).getDouble();
  if (!row_->getColumn(12).isNull()) c.trailing_activation_pct = row_->getColumn(12).getDouble();
  if (!row_->getColumn(13).isNull()) c.max_hold_ms = row_->getColumn(13).getInt64();
  if (!row_->getColumn(14).isNull()) c.oco_group = row_->getColumn(14).getString();
  r.status = row_->getColumn(15).getString();
  row_->reset();  // ends the read transaction, as in contains()
  return r;
}

std::size_t JournalIdHistory::pending() const {
  prune();
  return pending_.size();
}

}  // namespace tradingd
