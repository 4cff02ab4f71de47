#include "tradingd/journal/journal_reader.hpp"

#include <algorithm>

#include "tradingd/config/input_file.hpp"
#include "tradingd/journal/sql_row.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tradingd {
namespace {

// SQLite would block opening a FIFO: only a regular file is opened.
const std::filesystem::path& regular(const std::filesystem::path& p) {
  InputFile::require_regular(p, "journal");
  return p;
}
}  // namespace

JournalReader::JournalReader(const std::filesystem::path& db_path)
    : db_(std::make_unique<SQLite::Database>(regular(db_path).string(), SQLite::OPEN_READONLY)) {
  db_->setBusyTimeout(5000);
}

JournalReader::~JournalReader() = default;

RecoveredState JournalReader::load_state() const {
  RecoveredState s;
  // One read transaction, so the four reads see the same committed state.
  db_->exec("BEGIN");
  try {
    SQLite::Statement bal(*db_, "SELECT balance FROM balance ORDER BY seq DESC LIMIT 1");
    if (bal.executeStep()) s.balance = SqlRow(bal).real("balance");

    SQLite::Statement open(*db_, std::string("SELECT ") + TradeRow::columns +
                                     " FROM trades WHERE status = 'OPEN' ORDER BY entry_ms, rowid");
    while (open.executeStep()) s.open_trades.push_back(TradeRow::read(open));

    SQLite::Statement active(*db_, std::string("SELECT ") + ConditionRow::columns +
                                       " FROM conditions WHERE status = 'ACTIVE' ORDER BY rowid");
    while (active.executeStep()) s.active_conditions.push_back(ConditionRow::read(active).condition);

    SQLite::Statement stops(*db_,
                            "SELECT coin, max(exit_ms) AS last_ms FROM trades WHERE status = 'CLOSED' AND pnl_usd < 0 "
                            "AND exit_reason IN ('STOP_LOSS', 'TRAILING_STOP') GROUP BY coin ORDER BY coin");
    while (stops.executeStep())
      s.last_losing_stops.emplace_back(SqlRow(stops).text("coin"), SqlRow(stops).integer("last_ms"));
  } catch (...) {
    db_->exec("ROLLBACK");
    throw;
  }
  db_->exec("COMMIT");
  return s;
}

std::vector<TradeRow> JournalReader::trades_since(std::int64_t since_ms, std::int64_t limit) const {
  // The newest `limit` (-1: all), returned oldest first.
  SQLite::Statement q(*db_, std::string("SELECT * FROM (SELECT ") + TradeRow::columns +
                                ", rowid AS r FROM trades WHERE entry_ms >= :since ORDER BY entry_ms DESC, rowid DESC "
                                "LIMIT :limit) ORDER BY entry_ms, r");
  SqlRow(q).bind_integer(":since", since_ms);
  SqlRow(q).bind_integer(":limit", limit);
  std::vector<TradeRow> rows;
  while (q.executeStep()) rows.push_back(TradeRow::read(q));
  return rows;
}

std::vector<std::string> JournalReader::integrity_problems() const {
  std::vector<std::string> problems;
  {
    SQLite::Statement q(*db_, "PRAGMA quick_check(5)");
    while (q.executeStep())
      if (const std::string line = q.getColumn(0).getString(); line != "ok") problems.push_back("quick_check: " + line);
    if (!problems.empty()) return problems;  // the rules below would read a damaged file
  }
  auto count = [&](const char* sql) { return db_->execAndGet(sql).getInt64(); };
  struct Rule {
    const char* problem;
    const char* sql;
  };
  static constexpr Rule rules[] = {
      {"CLOSED trades without exit price, exit reason or P&L",
       "SELECT count(*) FROM trades WHERE status = 'CLOSED' AND "
       "(exit_price IS NULL OR exit_reason IS NULL OR pnl_usd IS NULL)"},
      {"OPEN trades with an exit",
       "SELECT count(*) FROM trades WHERE status = 'OPEN' AND (exit_price IS NOT NULL OR pnl_usd IS NOT NULL)"},
      {"trades whose condition is not TRIGGERED",
       "SELECT count(*) FROM trades t WHERE NOT EXISTS "
       "(SELECT 1 FROM conditions c WHERE c.id = t.condition_id AND c.status = 'TRIGGERED')"},
      {"TRIGGERED conditions without their trade",
       "SELECT count(*) FROM conditions c WHERE c.status = 'TRIGGERED' AND NOT EXISTS "
       "(SELECT 1 FROM trades t WHERE t.condition_id = c.id)"},
      {"trades credited to the balance more than once",
       "SELECT count(*) FROM (SELECT trade_id FROM balance WHERE trade_id IS NOT NULL "
       "GROUP BY trade_id HAVING count(*) > 1)"},
      {"CLOSED trades missing from the balance",
       "SELECT count(*) FROM trades t WHERE t.status = 'CLOSED' AND NOT EXISTS "
       "(SELECT 1 FROM balance b WHERE b.trade_id = t.id)"},
  };
  for (const auto& r : rules)
    if (const auto n = count(r.sql)) problems.push_back(std::to_string(n) + " " + r.problem);

  SQLite::Statement initial(*db_, "SELECT balance FROM balance WHERE reason = 'INITIAL' ORDER BY seq LIMIT 1");
  SQLite::Statement last(*db_, "SELECT balance FROM balance ORDER BY seq DESC LIMIT 1");
  if (initial.executeStep() && last.executeStep()) {
    const double start = SqlRow(initial).real("balance");
    const double now = SqlRow(last).real("balance");
    const double pnl =
        db_->execAndGet("SELECT ifnull(sum(pnl_usd), 0) FROM trades WHERE status = 'CLOSED'").getDouble();
    // The balance was summed one close at a time and SQLite sums in its own
    // order: the two may differ by rounding, bounded by n * 2^-52 * (sum of
    // |P&L| + |initial|) for n closes (Higham, recursive summation, both
    // ways). A millionth of a dollar, or that bound, whichever is larger.
    SQLite::Statement sums(*db_,
                           "SELECT ifnull(sum(abs(pnl_usd)), 0) AS magnitude, count(*) AS closes FROM trades "
                           "WHERE status = 'CLOSED'");
    sums.executeStep();
    const SqlRow row(sums);
    const double spread = row.real("magnitude") + std::abs(start);
    const double tolerance = std::max(1e-6, static_cast<double>(row.integer("closes") + 1) * 0x1p-52 * spread);
    if (!std::isfinite(now) || !std::isfinite(pnl) || std::abs(now - (start + pnl)) > tolerance)
      problems.push_back("the balance " + std::to_string(now) + " is not the initial " + std::to_string(start) +
                         " plus the closed trades' P&L " + std::to_string(pnl));
  }
  return problems;
}

JournalReader::TableCounts JournalReader::table_counts() const {
  auto count = [&](const char* sql) { return db_->execAndGet(sql).getInt64(); };
  TableCounts c;
  c.conditions = count("SELECT count(*) FROM conditions");
  c.trades = count("SELECT count(*) FROM trades");
  c.open_trades = count("SELECT count(*) FROM trades WHERE status = 'OPEN'");
  c.balance = count("SELECT count(*) FROM balance");
  c.events = count("SELECT count(*) FROM events");
  return c;
}

std::vector<TradeRow> JournalReader::open_trades() const {
  SQLite::Statement q(
      *db_, std::string("SELECT ") + TradeRow::columns + " FROM trades WHERE status = 'OPEN' ORDER BY entry_ms, rowid");
  std::vector<TradeRow> rows;
  while (q.executeStep()) rows.push_back(TradeRow::read(q));
  return rows;
}

std::vector<ConditionRow> JournalReader::conditions(const std::string& status) const {
  SQLite::Statement q(*db_, std::string("SELECT ") + ConditionRow::columns +
                                " FROM conditions WHERE :status = '' OR status = :status ORDER BY rowid");
  SqlRow(q).bind_text(":status", status);
  std::vector<ConditionRow> rows;
  while (q.executeStep()) rows.push_back(ConditionRow::read(q));
  return rows;
}

std::vector<JournalEvent> JournalReader::events_after(std::int64_t after, std::int64_t upto, std::size_t limit) const {
  // The strategy as the writer knew it: a condition's or a trade's own.
  SQLite::Statement q(*db_, R"SQL(
    SELECT e.seq AS seq, e.ts_ms AS ts_ms, e.kind AS kind, COALESCE(e.ref_id, '') AS ref_id, e.detail AS detail,
      CASE
        WHEN e.kind IN ('POSITION_OPENED', 'POSITION_CLOSED')
          THEN COALESCE((SELECT strategy_id FROM trades WHERE id = e.ref_id), '')
        WHEN e.kind LIKE 'CONDITION\_%' ESCAPE '\' AND e.kind != 'CONDITION_REFUSED'
          THEN COALESCE((SELECT strategy_id FROM conditions WHERE id = e.ref_id), '')
        ELSE ''
      END AS strategy
    FROM events e WHERE e.seq > :after AND e.seq <= :upto ORDER BY e.seq LIMIT :limit)SQL");
  SqlRow(q).bind_integer(":after", after);
  SqlRow(q).bind_integer(":upto", upto);
  SqlRow(q).bind_integer(":limit", static_cast<std::int64_t>(limit));
  constexpr std::size_t max_detail_bytes = 64 * 1024;
  std::vector<JournalEvent> out;
  while (q.executeStep()) {
    const SqlRow row(q);
    JournalEvent e{row.integer("seq"), row.integer("ts_ms"), row.text("kind"),
                   row.text("ref_id"), row.text("strategy"), row.text("detail")};
    const bool object = e.detail_json.size() <= max_detail_bytes && !e.detail_json.empty() &&
                        e.detail_json.front() == '{' && nlohmann::json::accept(e.detail_json);
    if (!object)
      e.detail_json = nlohmann::json{{"unreadable_detail", e.detail_json.substr(0, 1000)}}.dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.push_back(std::move(e));
  }
  return out;
}

TableDump JournalReader::dump(const std::string& table) const {
  if (table != "conditions" && table != "trades" && table != "balance" && table != "events")
    throw std::invalid_argument("no table '" + table + "' (conditions, trades, balance, events)");
  SQLite::Statement q(*db_, "SELECT * FROM " + table + " ORDER BY rowid");
  TableDump d;
  for (int i = 0; i < q.getColumnCount(); ++i) d.columns.emplace_back(q.getColumnName(i));
  while (q.executeStep()) {
    auto& row = d.rows.emplace_back();
    for (int i = 0; i < q.getColumnCount(); ++i) {
      const auto col = q.getColumn(i);
      if (col.isNull())
        row.emplace_back(std::monostate{});
      else if (col.isInteger())
        row.emplace_back(col.getInt64());
      else if (col.isFloat())
        row.emplace_back(col.getDouble());
      else
        row.emplace_back(col.getString());
    }
  }
  return d;
}

}  // namespace tradingd
