#pragma once
// TradeJournal: the only thing that crosses threads (design.md §2, §5).
//
// Threads:
//  * the io thread (the producer) calls submit(), congested(), pump(), flush()
//    and stats(); it never blocks in submit().
//  * the writer thread, started by start(), owns the SQLite connection from
//    then on: it drains the queue, writes each batch in one transaction with
//    prepared statements, and never calls back into trading state.
//
// Overflow policy (never drop a record): records go into a bounded lock-free
// queue. When it is full, a record goes into an io-thread spill list instead
// (counted in `overflowed`) and is moved into the queue as it drains. From
// `congestion_margin` records before full, congested() is true and the Sniper
// opens no new positions; exits and status changes still go through.
//
// Commit latency: an idle writer looks at the queue every `writer_poll`
// (1 ms) and commits whatever it finds, so a record waits at most that plus
// one batch (far under 50 ms). submit() never wakes it: a wake is a futex
// syscall (~0.4 µs on the io thread for every record of a quiet day). It is
// woken at once for a flush or stop, and when the queue passes a quarter full.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tradingd/domain/spsc_queue.hpp"
#include "tradingd/journal/journal_event.hpp"
#include "tradingd/journal/journal_lock.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/sniper/record_sink.hpp"

namespace SQLite {
class Database;
}

namespace tradingd {

struct JournalStats {
  std::size_t queue_depth = 0;     // in the queue plus the spill list
  std::uint64_t overflowed = 0;    // records that had to wait in the spill list
  std::uint64_t committed = 0;     // records written and committed
  std::uint64_t batches = 0;       // transactions committed
  std::uint64_t write_errors = 0;  // failed batch attempts (each retried)
  // Records refused whole (a value SQLite cannot keep, a constraint): logged
  // as errors, left out of the journal, which stays consistent. Any makes
  // /health fail until the operator restarts.
  std::uint64_t refused_writes = 0;
  bool healthy = true;             // false while the last batch attempt failed
  double last_commit_seconds = 0;  // how long the last committed transaction took
};

class TradeJournal final : public RecordSink {
 public:
  static constexpr std::size_t default_capacity = 1u << 14;
  static constexpr std::size_t congestion_margin = 1024;

  // Opens (creating if needed) the database and its schema on the calling
  // thread; throws on failure (a start-up error, exit 2).
  explicit TradeJournal(std::filesystem::path db_path, std::size_t capacity = default_capacity);
  ~TradeJournal() override;  // stop(): everything submitted is written, then the thread joins
  TradeJournal(const TradeJournal&) = delete;
  TradeJournal& operator=(const TradeJournal&) = delete;

  // Called on the writer thread after each commit that wrote event rows, once
  // enable_event_listener() has been called, and only after the commit (a
  // listener never sees an event a crash could undo): the rows, in seq order,
  // and the journal's last event seq after the commit. The rows are empty when
  // the batch began before the listener was enabled (then only `last_seq`
  // says what was committed: the rows are on disk). It must not block: it
  // hands them on (TradingSystem posts them to the io thread). Set before
  // start(), or never. A journal nobody enables (a replay) copies no events.
  using EventListener = std::function<void(std::vector<JournalEvent>&& events, std::int64_t last_seq)>;
  void set_event_listener(EventListener listener);
  // io thread. Every event committed after this reaches the listener, by its
  // row or by `last_seq`; every earlier one has a seq of at most
  // last_event_seq() read after this call.
  void enable_event_listener() { events_enabled_.store(true, std::memory_order_seq_cst); }
  // The highest event seq committed (0 for none), from the journal's open on. Any thread.
  [[nodiscard]] std::int64_t last_event_seq() const { return last_event_seq_.load(std::memory_order_seq_cst); }

  // Whether this open created the journal (it had no schema): it then holds
  // no rows, and start-up has nothing to recover from it.
  [[nodiscard]] bool created_new() const { return created_new_; }

  // Starts the writer thread; the connection belongs to it from here on.
  void start();
  // Any thread: maps the queue's pages (~6 MiB) in now, so that no submit on
  // the hot path takes a page fault on the ring's first lap. For a live run;
  // a replay skips it (a short one would spend more here than it queues).
  void prefault_queue() noexcept { queue_.prefault(); }

  void submit(JournalRecord&& record) override;
  [[nodiscard]] bool congested() const override;

  // io thread: moves spilled records into the queue as room allows.
  void pump();
  // io thread: records (or a commit_now) still wait in the spill list for room.
  [[nodiscard]] bool spilling() const { return !spill_.empty(); }
  // io thread: resolves once every record submitted before it is committed.
  // Waits for room if the queue is full (start-up and shutdown only).
  [[nodiscard]] std::future<void> flush();
  // io thread: commits every record submitted before it at once (the writer
  // is woken, not left to its next poll), then calls `then` on the writer
  // thread, after the commit's events reached the listener. Never waits: a
  // full queue holds the request in the spill list, in order. `then` must not
  // block (TradingSystem posts it to the io thread). With no writer running
  // it is called at once, here.
  void commit_now(std::function<void()> then);
  // io thread: a consistent copy of the journal at `to` (SQLite's backup API),
  // taken by the writer thread once every record submitted before this call
  // is committed and before any submitted after it: design.md §11's base.db.
  // Resolves to "" or the error's text. Never waits for the writer.
  [[nodiscard]] std::future<std::string> backup(std::filesystem::path to);
  // io thread: flushes, stops the writer and joins it. Idempotent.
  void stop();

  [[nodiscard]] JournalStats stats() const;
  // io thread: records submitted so far, and records committed so far. Records
  // commit in submission order, so record n is on disk once committed >= n.
  [[nodiscard]] std::uint64_t submitted_records() const { return submitted_; }
  [[nodiscard]] std::uint64_t committed_records() const { return committed_.load(std::memory_order_acquire); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Trades entered in the last `hours`, read on a separate read-only
  // connection (blocking: not for the io thread while trading).
  [[nodiscard]] std::vector<TradeRow> get_recent(double hours, std::int64_t now_ms) const;

 private:
  struct FlushRequest {
    std::promise<void> done;     // flush()
    std::function<void()> then;  // commit_now(); when set, `done` is unused
  };
  struct StopRequest {};
  struct BackupRequest {
    std::filesystem::path to;
    std::promise<std::string> done;
  };
  using Message = std::variant<std::monostate, JournalRecord, FlushRequest, StopRequest, BackupRequest>;
  class Writer;      // the prepared statements and how each record becomes rows
  class WriterLoop;  // the writer thread's loop: take a batch, commit it, answer flushes

  void enqueue_blocking(Message&& m);  // io thread, start-up/shutdown only
  void writer_main();                  // writer thread: write_loop(), a failure ends the process with exit 2
  void write_loop();                   // writer thread
  void notify(std::vector<JournalEvent>& events, std::int64_t last_seq) noexcept;  // writer thread, after a commit

  std::filesystem::path path_;
  EventListener event_listener_;  // set before start(), then the writer thread's
  std::atomic<bool> events_enabled_{false};
  std::atomic<std::int64_t> last_event_seq_{0};
  std::unique_ptr<JournalLock> lock_;     // held for the journal's life: one daemon per database
  std::unique_ptr<SQLite::Database> db_;  // handed to the writer thread by start()
  SpscQueue<Message> queue_;
  std::deque<Message> spill_;    // io thread only
  std::uint64_t submitted_ = 0;  // io thread only
  std::thread writer_thread_;
  // The idle writer's sleep: a poll of writer_poll, cut short by wake_writer().
  // A notify that slips in before the wait is not lost, only delayed to the poll.
  static constexpr auto writer_poll = std::chrono::milliseconds(1);
  void wake_writer();  // io thread
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool started_ = false;  // io thread
  bool stopped_ = false;  // io thread
  bool created_new_ = false;

  std::atomic<std::uint64_t> overflowed_{0};
  std::atomic<std::uint64_t> committed_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::atomic<std::uint64_t> refused_writes_{0};
  std::atomic<std::int64_t> last_commit_ns_{0};
  std::atomic<bool> healthy_{true};
};

}  // namespace tradingd
