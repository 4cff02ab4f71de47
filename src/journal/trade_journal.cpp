#include "tradingd/journal/trade_journal.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "tradingd/config/input_file.hpp"
#include "tradingd/config/json_text.hpp"
#include "tradingd/domain/time_format.hpp"
#include "tradingd/journal/condition_row.hpp"
#include "tradingd/journal/journal_schema.hpp"
#include "tradingd/journal/sql_row.hpp"
#include "tradingd/journal/trade_row.hpp"

namespace tradingd {

namespace {

bool is_refusal(const std::exception& e) {
  if (dynamic_cast<const RefusedWrite*>(&e)) return true;
  const auto* sql = dynamic_cast<const SQLite::Exception*>(&e);
  if (!sql) return false;
  const int code = sql->getErrorCode() & 0xff;
  return code == SQLITE_CONSTRAINT || code == SQLITE_MISMATCH || code == SQLITE_TOOBIG || code == SQLITE_RANGE;
}

// What a refused record was, for the error line.
std::string describe(const JournalRecord& r) {
  return std::visit(
      [](const auto& rec) -> std::string {
        using T = std::decay_t<decltype(rec)>;
        if constexpr (std::is_same_v<T, ConditionArmed>)
          return "arming of condition " + rec.condition.id;
        else if constexpr (std::is_same_v<T, ConditionFinished>)
          return "end of condition " + std::string(rec.id.view());
        else if constexpr (std::is_same_v<T, PositionOpened>)
          return "opening of " + std::string(rec.position.id.view());
        else if constexpr (std::is_same_v<T, PositionClosed>)
          return "close of " + std::string(rec.trade_id.view());
        else if constexpr (std::is_same_v<T, BestPriceUpdate>)
          return "best price of " + std::string(rec.trade_id.view());
        else if constexpr (std::is_same_v<T, BalanceSet>)
          return "balance set";
        else
          return "audit event " + std::string(to_string(rec.kind));
      },
      r);
}

// SQLite's online backup of `db` into a new file at `to`, whole, in one step
// (the writer holds the only write connection, so nothing changes meanwhile).
// "" or the error.
std::string copy_database(SQLite::Database& db, const std::filesystem::path& to) {
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(to.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::string err;
  if (rc == SQLITE_OK) {
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", db.getHandle(), "main");
    if (!b) {
      err = sqlite3_errmsg(dest);
    } else {
      rc = sqlite3_backup_step(b, -1);
      if (rc != SQLITE_DONE) err = sqlite3_errstr(rc);
      rc = sqlite3_backup_finish(b);
      if (err.empty() && rc != SQLITE_OK) err = sqlite3_errmsg(dest);
    }
  } else {
    err = dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc);
  }
  if (sqlite3_close(dest) != SQLITE_OK && err.empty()) err = "closing the copy failed";
  return err;
}

}  // namespace

// Writer-thread state: the prepared statements and how each record becomes
// rows. Lives on the writer thread's stack; nothing here is shared.
class TradeJournal::Writer {
 public:
  explicit Writer(SQLite::Database& db)
      : db_(db),
        insert_condition_(db, ConditionRow::insert_sql),
        finish_condition_(db,
                          "UPDATE conditions SET status = :status, status_reason = :status_reason, "
                          "updated_ms = :updated_ms WHERE id = :id AND status = 'ACTIVE'"),
        insert_trade_(db, TradeRow::insert_sql),
        close_trade_(db,
                     "UPDATE trades SET exit_price = :exit_price, exit_ms = :exit_ms, exit_reason = :exit_reason, "
                     "fees_usd = :fees_usd, pnl_usd = :pnl_usd, status = 'CLOSED', exit_mark = :exit_mark, "
                     "exit_fill = :exit_fill, best_price = :best_price WHERE id = :id AND status = 'OPEN'"),
        update_best_(db, "UPDATE trades SET best_price = :best_price WHERE id = :id AND status = 'OPEN'"),
        insert_balance_(db,
                        "INSERT INTO balance (ts_ms, balance, reason, trade_id) "
                        "VALUES (:ts_ms, :balance, :reason, :trade_id)"),
        insert_event_(db, "INSERT INTO events (ts_ms, kind, ref_id, detail) VALUES (:ts_ms, :kind, :ref_id, :detail)") {
  }

  // With `events`, every event row written from now on is also appended there
  // (with its seq), for the listener once the transaction commits.
  void collect_events(std::vector<JournalEvent>* events) { events_ = events; }
  // The seq of the last event row written (rolled back with its transaction: the caller keeps the committed one).
  [[nodiscard]] std::int64_t last_event_seq() const { return last_event_seq_; }
  void set_last_event_seq(std::int64_t seq) { last_event_seq_ = seq; }

  void apply(const JournalRecord& r) {
    std::visit([this](const auto& rec) { write(rec); }, r);
  }

  // The operator's view of a committed record: trades and condition outcomes
  // are logged here, on the writer thread, so the trading thread never logs a
  // decision itself. Only after the commit, so a retried batch logs once.
  static void log_committed(const JournalRecord& r) {
    if (const auto* o = std::get_if<PositionOpened>(&r)) {
      const Position& p = o->position;
      std::string exits;
      if (p.stop_loss_price) exits += fmt::format(", SL {:.8g}", *p.stop_loss_price);
      if (p.take_profit_price) exits += fmt::format(", TP {:.8g}", *p.take_profit_price);
      if (p.trailing_stop_pct > 0)
        exits +=
            fmt::format(", trail {:.4g}%{}", p.trailing_stop_pct * 100,
                        p.trailing_activation_pct > 0 ? fmt::format(" from +{:.4g}%", p.trailing_activation_pct * 100)
                                                      : std::string());
      if (p.max_hold_ms > 0)
        exits += fmt::format(", time limit {}", TimeFormat::seconds(std::chrono::milliseconds(p.max_hold_ms)));
      // Prices to 10 significant digits for people; the journal keeps every digit.
      spdlog::info("Opened {} {} {} at {:.10g} ({}{}; ${}{})", p.id.view(), to_string(p.direction), o->coin.view(),
                   p.entry_price, to_string(p.entry_fill),
                   p.entry_fill == FillBasis::Trade && p.entry_price == p.entry_mark
                       ? std::string()
                       : fmt::format(", trade {:.10g}", p.entry_mark),
                   p.size_usd, exits);
    } else if (const auto* c = std::get_if<PositionClosed>(&r)) {
      spdlog::info("Closed {} {} at {:.10g} ({}{}): P&L {:+.4f}, balance {:.2f}", c->trade_id.view(),
                   to_string(c->reason), c->exit_price, to_string(c->exit_fill),
                   c->exit_fill == FillBasis::Trade && c->exit_price == c->exit_mark
                       ? std::string()
                       : fmt::format(", trade {:.10g}", c->exit_mark),
                   c->pnl_usd, c->balance_after);
    } else if (const auto* f = std::get_if<ConditionFinished>(&r)) {
      spdlog::info("Condition {} {}: {}", f->id.view(), to_string(f->status), f->reason.view());
    }
  }

 private:
  static void run(SQLite::Statement& s) {
    try {
      s.exec();
    } catch (...) {
      // A statement that failed (SQLITE_BUSY, SQLITE_FULL...) must be reset,
      // or every retry fails with "bad parameter or other API misuse".
      s.tryReset();
      s.clearBindings();
      throw;
    }
    s.reset();
    s.clearBindings();
  }

  void event(std::int64_t ts, EventKind kind, std::string_view ref, std::string detail,
             std::string_view strategy = {}) {
    SqlRow e(insert_event_, insert_event_numbers_);
    e.bind_integer(":ts_ms", ts);
    e.bind_text(":kind", to_string(kind));
    e.bind_text(":ref_id", ref);
    e.bind_text(":detail", detail);
    run(insert_event_);
    last_event_seq_ = db_.getLastInsertRowid();
    if (events_)
      events_->push_back(JournalEvent{last_event_seq_, ts, std::string(to_string(kind)), std::string(ref),
                                      std::string(strategy), std::move(detail)});
  }

  // The condition leaves ACTIVE (only from ACTIVE: a finish already written is not undone).
  void finish(std::string_view id, ConditionStatus status, std::string_view reason, std::int64_t ts_ms) {
    SqlRow f(finish_condition_, finish_condition_numbers_);
    f.bind_text(":status", to_string(status));
    f.bind_text(":status_reason", reason);
    f.bind_integer(":updated_ms", ts_ms);
    f.bind_text(":id", id);
    run(finish_condition_);
  }

  void balance(std::int64_t ts_ms, double balance, std::string_view reason, std::string_view trade_id) {
    SqlRow b(insert_balance_, insert_balance_numbers_);
    b.bind_integer(":ts_ms", ts_ms);
    b.bind_real(":balance", balance);
    b.bind_text(":reason", reason);
    b.bind_text_or_null(":trade_id", trade_id);  // NULL for a balance no trade made
    run(insert_balance_);
  }

  void write(const ConditionArmed& r) {
    const TradeCondition& c = r.condition;
    ConditionRow::bind_armed(insert_condition_, insert_condition_numbers_, c, r.ts_ms);
    run(insert_condition_);
    nlohmann::json detail{{"coin", c.coin},
                          {"direction", to_string(c.direction)},
                          {"trigger_type", to_string(c.trigger_type)},
                          {"trigger_price", c.trigger_price},
                          {"position_size_usd", c.position_size_usd}};
    if (c.trailing_stop_pct) detail["trailing_stop_pct"] = *c.trailing_stop_pct;
    if (c.max_hold_ms) detail["max_hold_ms"] = *c.max_hold_ms;
    if (!c.oco_group.empty()) detail["oco_group"] = c.oco_group;
    event(r.ts_ms, EventKind::ConditionArmed, c.id, json_text(detail), c.strategy_id);
  }

  void write(const ConditionFinished& r) {
    finish(r.id.view(), r.status, r.reason.view(), r.ts_ms);
    event(r.ts_ms, condition_finished_event(r.status), r.id.view(),
          json_text(nlohmann::json{{"reason", r.reason.view()}}), r.strategy_id.view());
  }

  void write(const PositionOpened& r) {
    const Position& p = r.position;
    finish(p.condition_id.view(), ConditionStatus::Triggered, p.id.view(), r.ts_ms);
    TradeRow::bind_opened(insert_trade_, insert_trade_numbers_, p, r.coin.view());
    run(insert_trade_);
    event(r.ts_ms, EventKind::PositionOpened, p.id.view(),
          json_text(nlohmann::json{{"condition_id", p.condition_id.view()},
                                   {"coin", r.coin.view()},
                                   {"direction", to_string(p.direction)},
                                   {"entry_price", p.entry_price},
                                   {"entry_mark", p.entry_mark},
                                   {"entry_fill", to_string(p.entry_fill)},
                                   {"size_usd", p.size_usd}}),
          p.strategy_id.view());
  }

  void write(const PositionClosed& r) {
    SqlRow s(close_trade_, close_trade_numbers_);
    s.bind_real(":exit_price", r.exit_price);
    s.bind_integer(":exit_ms", r.exit_ms);
    s.bind_text(":exit_reason", to_string(r.reason));
    s.bind_real(":fees_usd", r.fees_usd);
    s.bind_real(":pnl_usd", r.pnl_usd);
    s.bind_real(":exit_mark", r.exit_mark);
    s.bind_text(":exit_fill", to_string(r.exit_fill));
    s.bind_real(":best_price", r.best_price);
    s.bind_text(":id", r.trade_id.view());
    run(close_trade_);
    balance(r.exit_ms, r.balance_after, "TRADE_CLOSED", r.trade_id.view());
    event(r.exit_ms, EventKind::PositionClosed, r.trade_id.view(),
          json_text(nlohmann::json{{"coin", r.coin.view()},
                                   {"exit_reason", to_string(r.reason)},
                                   {"exit_price", r.exit_price},
                                   {"exit_mark", r.exit_mark},
                                   {"exit_fill", to_string(r.exit_fill)},
                                   {"pnl_usd", r.pnl_usd},
                                   {"balance", r.balance_after}}),
          r.strategy_id.view());
  }

  void write(const BestPriceUpdate& r) {
    SqlRow s(update_best_, update_best_numbers_);
    s.bind_real(":best_price", r.best_price);
    s.bind_text(":id", r.trade_id.view());
    run(update_best_);
  }

  void write(const BalanceSet& r) {
    balance(r.ts_ms, r.balance, r.reason.view(), {});
    event(r.ts_ms, EventKind::BalanceSet, "",
          json_text(nlohmann::json{{"balance", r.balance}, {"reason", r.reason.view()}}));
  }

  void write(const AuditEvent& r) { event(r.ts_ms, r.kind, r.ref_id, r.detail_json); }

  SQLite::Database& db_;
  std::vector<JournalEvent>* events_ = nullptr;
  std::int64_t last_event_seq_ = 0;
  SQLite::Statement insert_condition_;
  SQLite::Statement finish_condition_;
  SQLite::Statement insert_trade_;
  SQLite::Statement close_trade_;
  SQLite::Statement update_best_;
  SQLite::Statement insert_balance_;
  SQLite::Statement insert_event_;
  // Each statement's parameter numbers, found by name on first use.
  ParamNumbers insert_condition_numbers_, finish_condition_numbers_, insert_trade_numbers_, close_trade_numbers_,
      update_best_numbers_, insert_balance_numbers_, insert_event_numbers_;
};

TradeJournal::TradeJournal(std::filesystem::path db_path, std::size_t capacity)
    : path_(std::move(db_path)), queue_(capacity) {
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  lock_ = std::make_unique<JournalLock>(path_);
  // A FIFO or a device would block SQLite's open or be written over.
  if (std::filesystem::exists(path_)) InputFile::require_regular(path_, "journal");
  try {
    // NOMUTEX: one thread at a time uses this connection (this one until
    // start() hands it to the writer), so SQLite's per-call locks are waste.
    db_ = std::make_unique<SQLite::Database>(path_.string(),
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX);
    db_->setBusyTimeout(5000);
    created_new_ = JournalSchema::ensure(*db_);  // refuses a foreign database before anything is written to it
    JournalSchema::configure_writer(*db_);
    // Every statement the writer thread will run is prepared once here, on the
    // starting thread: a journal missing a table or column is refused at
    // start-up (exit 2) rather than failing on the writer thread later.
    Writer probe(*db_);
    last_event_seq_ = db_->execAndGet("SELECT COALESCE(MAX(seq), 0) FROM events").getInt64();
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error(path_.string() + ": cannot use the journal: " + e.what());
  }
}

TradeJournal::~TradeJournal() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("journal: stopping the writer failed: {}", e.what());
  }
}

void TradeJournal::set_event_listener(EventListener listener) {
  if (started_) throw std::logic_error("TradeJournal: the event listener is set before start()");
  event_listener_ = std::move(listener);
}

void TradeJournal::start() {
  if (started_) return;
  started_ = true;
  writer_thread_ = std::thread([this] { writer_main(); });
}

void TradeJournal::wake_writer() {
  wake_cv_.notify_one();
}

void TradeJournal::submit(JournalRecord&& record) {
  ++submitted_;
  Message m{std::move(record)};
  if (spill_.empty() && queue_.try_push(m)) {
    // A burst: wake the writer rather than let the ring fill until its next poll.
    if (queue_.holds_at_least(queue_.capacity() / 4)) wake_writer();
    return;
  }
  // Full: keep it in order behind anything already waiting. Allocation here is
  // acceptable: it only happens when the writer has fallen thousands behind.
  spill_.push_back(std::move(m));
  overflowed_.fetch_add(1, std::memory_order_relaxed);
}

bool TradeJournal::congested() const {
  return !spill_.empty() || queue_.size() + congestion_margin >= queue_.capacity();
}

void TradeJournal::pump() {
  while (!spill_.empty() && queue_.try_push(spill_.front())) spill_.pop_front();
}

void TradeJournal::enqueue_blocking(Message&& m) {
  pump();
  while (!spill_.empty() || !queue_.try_push(m)) {
    wake_writer();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    pump();
  }
  wake_writer();  // a flush or stop is waited for: no poll delay
}

std::future<void> TradeJournal::flush() {
  FlushRequest req;
  auto fut = req.done.get_future();
  if (!started_ || stopped_) {
    // No writer running: nothing can be waiting behind us.
    req.done.set_value();
    return fut;
  }
  enqueue_blocking(Message{std::move(req)});
  return fut;
}

void TradeJournal::commit_now(std::function<void()> then) {
  if (!started_ || stopped_) {
    then();  // nothing is waiting to be written by a writer
    return;
  }
  FlushRequest req;
  req.then = std::move(then);
  Message m{std::move(req)};
  pump();
  if (!spill_.empty() || !queue_.try_push(m)) spill_.push_back(std::move(m));
  wake_writer();
}

std::future<std::string> TradeJournal::backup(std::filesystem::path to) {
  BackupRequest req{std::move(to), {}};
  auto fut = req.done.get_future();
  if (stopped_) {
    req.done.set_value("the journal is closed");
    return fut;
  }
  // Before start() the queue is only filled; the writer takes it in order.
  Message m{std::move(req)};
  pump();
  if (!spill_.empty() || !queue_.try_push(m)) spill_.push_back(std::move(m));
  return fut;
}

void TradeJournal::stop() {
  if (stopped_) return;
  if (!started_) {
    // Never started: write what was submitted on this thread, then close.
    start();
  }
  enqueue_blocking(Message{StopRequest{}});
  stopped_ = true;
  if (writer_thread_.joinable()) writer_thread_.join();
}

JournalStats TradeJournal::stats() const {
  JournalStats s;
  s.queue_depth = queue_.size() + spill_.size();
  s.overflowed = overflowed_.load(std::memory_order_relaxed);
  s.committed = committed_.load(std::memory_order_relaxed);
  s.batches = batches_.load(std::memory_order_relaxed);
  s.write_errors = write_errors_.load(std::memory_order_relaxed);
  s.refused_writes = refused_writes_.load(std::memory_order_relaxed);
  s.healthy = healthy_.load(std::memory_order_relaxed);
  s.last_commit_seconds = static_cast<double>(last_commit_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

std::vector<TradeRow> TradeJournal::get_recent(double hours, std::int64_t now_ms) const {
  const auto since = now_ms - static_cast<std::int64_t>(hours * 3'600'000.0);
  return JournalReader(path_).trades_since(since);
}

void TradeJournal::writer_main() {
  try {
    write_loop();
  } catch (const std::exception& e) {
    // Write failures are retried inside the loop; what reaches here is a
    // broken invariant (out of memory, say). An exception escaping a thread
    // would abort with a core dump; instead the daemon stops with exit 2 and
    // the file named. Committed transactions are intact on disk.
    spdlog::critical("journal {}: the writer thread failed: {}; tradingd stops (exit 2)", path_.string(), e.what());
    spdlog::shutdown();
    std::fprintf(stderr, "tradingd: error: journal %s: the writer thread failed: %s\n", path_.c_str(), e.what());
    std::_Exit(2);
  }
}

void TradeJournal::notify(std::vector<JournalEvent>& events, std::int64_t last_seq) noexcept {
  // Committed whatever happens here: a listener that fails must not make the
  // batch look failed, or its retry would write every row twice.
  try {
    event_listener_(std::move(events), last_seq);
  } catch (const std::exception& e) {
    spdlog::error("journal: handing {} committed events on failed: {}", events.size(), e.what());
  }
  events = {};
}

// The writer thread's loop, one job a function (spdlog's thread_pool worker
// as the model): wait for work, take a batch off the queue, commit it as one
// transaction (retried until it is on disk), answer what waited for that
// commit. From construction on it owns the connection: start() handed it
// over and the io thread no longer touches it.
class TradeJournal::WriterLoop {
 public:
  explicit WriterLoop(TradeJournal& journal) : j_(journal), db_(std::move(journal.db_)), writer_(std::in_place, *db_) {
    writer_->set_last_event_seq(j_.last_event_seq_.load());
    // Room for a whole batch up front: growing it copies every record queued so
    // far (a JournalRecord is copied, not moved, on reallocation), most of the
    // writer's time when a replay drains thousands of records at start and exit.
    batch_.reserve(max_batch);
  }

  void run() {
    while (!stopping_) {
      if (!wait_for_work()) continue;
      take_batch();
      commit_batch();
      answer_waiting();
    }
    try {
      db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const std::exception& e) {
      spdlog::warn("journal: final checkpoint failed: {}", e.what());
    }
  }

 private:
  static constexpr std::size_t max_batch = 4096;

  // Idle: sleep until woken or the poll ends. false: still nothing queued.
  bool wait_for_work() {
    if (j_.queue_.size() != 0) return true;
    std::unique_lock lock(j_.wake_mutex_);
    j_.wake_cv_.wait_for(lock, writer_poll, [this] { return j_.queue_.size() != 0; });
    return j_.queue_.size() != 0;
  }

  // Records up to max_batch, stopping after a flush, a stop or a backup
  // request: what came before it is committed first, then it is answered.
  void take_batch() {
    Message m;
    while (batch_.size() < max_batch && j_.queue_.try_pop(m)) {
      if (auto* rec = std::get_if<JournalRecord>(&m)) {
        batch_.push_back(std::move(*rec));
      } else if (auto* f = std::get_if<FlushRequest>(&m)) {
        waiting_.push_back(std::move(*f));
        break;
      } else if (std::holds_alternative<StopRequest>(m)) {
        stopping_ = true;
        break;
      } else if (auto* b = std::get_if<BackupRequest>(&m)) {
        backup_ = std::move(*b);
        break;
      }
    }
  }

  // The batch as one transaction; on failure it is kept and retried with
  // backoff (nothing is dropped; trading goes on in memory meanwhile). A
  // record refused for itself (design.md §5) is left out whole, the rest kept.
  void commit_batch() {
    auto backoff = std::chrono::milliseconds(50);
    int attempts = 0;
    bool one_by_one = false;
    while (!batch_.empty()) {
      try {
        write_batch(one_by_one);
        batch_.clear();
      } catch (const std::exception& e) {
        if (is_refusal(e) && !one_by_one) {
          // Not a passing fault: go again at once, record by record.
          one_by_one = true;
          continue;
        }
        ++attempts;
        j_.write_errors_.fetch_add(1, std::memory_order_relaxed);
        j_.healthy_.store(false);
        spdlog::error("journal: writing {} records to {} failed (attempt {}): {}; retrying in {} ms", batch_.size(),
                      j_.path_.string(), attempts, e.what(), backoff.count());
        if (stopping_ && attempts >= 20) {
          spdlog::critical("journal: giving up at shutdown; {} records were not written", batch_.size());
          batch_.clear();
          break;
        }
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        reopen_if_read_only(e);
      }
    }
  }

  // One attempt: every record of the batch in one transaction, each in a
  // savepoint of its own when `one_by_one`. Throws when the attempt failed
  // (rolled back); once it returns, the batch is committed.
  void write_batch(bool one_by_one) {
    const auto commit_start = std::chrono::steady_clock::now();
    events_.clear();  // a failed attempt's rows were rolled back
    const bool collect = j_.event_listener_ && j_.events_enabled_.load(std::memory_order_seq_cst);
    writer_->collect_events(collect ? &events_ : nullptr);
    const std::int64_t seq_before = j_.last_event_seq_.load(std::memory_order_relaxed);
    writer_->set_last_event_seq(seq_before);
    SQLite::Transaction tx(*db_);
    std::vector<std::size_t> refused;  // by index into the batch
    if (one_by_one) {
      for (std::size_t i = 0; i < batch_.size(); ++i)
        if (!write_alone(batch_[i])) refused.push_back(i);
    } else {
      for (const auto& rec : batch_) writer_->apply(rec);
    }
    tx.commit();
    for (auto it = refused.rbegin(); it != refused.rend(); ++it)
      batch_.erase(batch_.begin() + static_cast<std::ptrdiff_t>(*it));
    j_.last_commit_ns_.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - commit_start).count(),
        std::memory_order_relaxed);
    committed(seq_before);
  }

  // One record in a savepoint: false when it was refused and left out.
  bool write_alone(const JournalRecord& rec) {
    const std::size_t events_before = events_.size();
    const std::int64_t seq_before = writer_->last_event_seq();
    db_->exec("SAVEPOINT record");
    try {
      writer_->apply(rec);
      db_->exec("RELEASE record");
      return true;
    } catch (const std::exception& e) {
      if (!is_refusal(e)) throw;
      db_->exec("ROLLBACK TO record");
      db_->exec("RELEASE record");
      events_.resize(events_before);
      writer_->set_last_event_seq(seq_before);
      j_.refused_writes_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("journal: refused the {} ({}); it is not in the journal, which stays consistent", describe(rec),
                    e.what());
      return false;
    }
  }

  // After a commit: the operator's log lines, the counters, and the events
  // for the listener (only now: a listener never sees what a crash could undo).
  void committed(std::int64_t seq_before) {
    for (const auto& rec : batch_) Writer::log_committed(rec);
    const std::int64_t seq_after = writer_->last_event_seq();
    // seq_cst with enable_event_listener(): either the io thread reads this
    // seq after enabling, or this thread sees it enabled below (Dekker).
    j_.last_event_seq_.store(seq_after, std::memory_order_seq_cst);
    // release: a reader that sees the count sees the commit (JournalIdHistory).
    j_.committed_.fetch_add(batch_.size(), std::memory_order_release);
    j_.batches_.fetch_add(1, std::memory_order_relaxed);
    if (j_.event_listener_ && seq_after > seq_before && j_.events_enabled_.load(std::memory_order_seq_cst))
      j_.notify(events_, seq_after);
    if (!j_.healthy_.exchange(true)) spdlog::info("journal: writes succeed again; {} records committed", batch_.size());
  }

  // SQLite opens a write-protected file read-only and stays so: only a fresh
  // connection sees that it became writable again.
  void reopen_if_read_only(const std::exception& e) {
    const auto* sql_error = dynamic_cast<const SQLite::Exception*>(&e);
    if (!sql_error || (sql_error->getErrorCode() & 0xff) != SQLITE_READONLY) return;
    try {
      auto fresh = std::make_unique<SQLite::Database>(j_.path_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX);
      JournalSchema::configure_writer(*fresh);
      writer_.reset();  // its statements belong to the old connection
      db_ = std::move(fresh);
      writer_.emplace(*db_);
    } catch (const std::exception& reopen) {
      spdlog::error("journal: reopening {} failed: {}", j_.path_.string(), reopen.what());
    }
  }

  // Flushes are answered, and a backup taken, once what came before them is committed.
  void answer_waiting() {
    for (auto& f : waiting_) {
      if (f.then)
        f.then();
      else
        f.done.set_value();
    }
    waiting_.clear();
    if (backup_) {
      backup_->done.set_value(copy_database(*db_, backup_->to));
      backup_.reset();
    }
  }

  TradeJournal& j_;
  std::unique_ptr<SQLite::Database> db_;
  std::optional<Writer> writer_;
  std::vector<JournalRecord> batch_;
  std::vector<JournalEvent> events_;     // the batch's event rows, for the listener
  std::vector<FlushRequest> waiting_;    // flushes answered after the next commit
  std::optional<BackupRequest> backup_;  // taken after the next commit
  bool stopping_ = false;
};

void TradeJournal::write_loop() {
  WriterLoop(*this).run();
}

}  // namespace tradingd
