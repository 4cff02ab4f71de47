#pragma once
// SessionRecorder: writes a session recording (design.md §11) from a thread of
// its own, the recorder thread, fed by the io thread over a bounded lock-free
// queue (the model is the journal's writer, and spdlog's thread pool).
//
// Threads:
//  * the io thread constructs it (creating DIR/<start>/ and its config.toml:
//    a failure there is a start-up error), calls start(), record() for every
//    input, the read-only accessors, and stop(). record() never blocks, never
//    allocates for a tick or quote, and never touches a file.
//  * the recorder thread, from start() to stop(), owns the chunk files: it
//    waits for base.db (the journal's writer takes that copy), then formats,
//    compresses and appends, ending a gzip member at least every 50 ms while
//    inputs arrive, so a crash can cut only the last member. It never calls
//    back into trading state.
//
// Overflow policy: when the queue is full the input is not recorded (it is
// still applied); the next input that fits is preceded by a `gap` line with
// how many were lost, and the losses are counted for /metrics. A disk error
// stops the recording for good (an error in the log, /health says so); trading
// never waits for it and never stops because of it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/spsc_queue.hpp"
#include "tradingd/record/session_input.hpp"
#include "tradingd/record/session_line_writer.hpp"

namespace tradingd {

struct RecorderStats {
  std::uint64_t recorded = 0;  // inputs written to a chunk (compressed or about to be)
  std::uint64_t lost = 0;      // inputs not recorded because the queue was full
  std::uint64_t gaps = 0;      // runs of such losses (a `gap` line each)
  std::uint64_t bytes = 0;     // compressed bytes written
  std::uint64_t members = 0;   // gzip members written
  bool failed = false;         // stopped by an error: nothing more is recorded
};

class SessionRecorder {
 public:
  static constexpr std::size_t default_capacity = 1u << 15;
  // A member ends 40 ms after the last one at the first look after it; the
  // thread looks every 10 ms: members at most 50 ms apart (design.md §11).
  static constexpr auto member_period = std::chrono::milliseconds(40);
  static constexpr auto poll_period = std::chrono::milliseconds(10);
  static constexpr std::size_t member_bytes = 1u << 20;  // a member also ends at this much text

  // io thread, at start-up: makes DIR/<start time as YYYYMMDDTHHMMSSZ>/ and
  // writes its config.toml. Throws std::runtime_error naming the path.
  SessionRecorder(const RecordSettings& settings, const std::string& config_toml, std::vector<std::string> coin_names,
                  std::int64_t start_ms, std::size_t capacity = default_capacity);
  ~SessionRecorder();  // stop()
  SessionRecorder(const SessionRecorder&) = delete;
  SessionRecorder& operator=(const SessionRecorder&) = delete;

  [[nodiscard]] const std::filesystem::path& session_dir() const { return session_dir_; }
  [[nodiscard]] std::filesystem::path base_db_path() const { return session_dir_ / "base.db"; }

  // io thread: starts the recorder thread; `base_db` resolves (to "" or an
  // error's text) once base.db is written, and no chunk is written before.
  void start(std::future<std::string> base_db);

  // io thread: hands `in` over (moving from it), or counts it lost.
  void record(SessionInput& in) {
    if (failed_.load(std::memory_order_relaxed)) return;
    last_now_ = in.now_ms;
    if (lost_run_ != 0) {
      SessionInput gap;
      gap.kind = SessionInput::Kind::Gap;
      gap.now_ms = in.now_ms;
      gap.ts_ms = static_cast<std::int64_t>(lost_run_);
      if (!queue_.try_push(gap)) return lose();
      lost_run_ = 0;
    }
    if (!queue_.try_push(in)) lose();
  }
  [[nodiscard]] bool active() const { return !failed_.load(std::memory_order_acquire); }

  // io thread: records what is queued, ends the last member and chunk, joins. Idempotent.
  void stop();

  // io thread.
  [[nodiscard]] RecorderStats stats() const;
  // Why the recording stopped ("" while it runs). io thread, once !active().
  [[nodiscard]] std::string error() const;

 private:
  void lose() {
    if (lost_run_++ == 0) ++gaps_;
    ++lost_;
  }
  void run();  // the recorder thread
  void fail(const std::string& what);
  bool open_chunk();
  bool write_member();
  bool write_all(const unsigned char* p, std::size_t n);
  void close_chunk();
  void remove_old_sessions() const;

  const RecordSettings settings_;
  std::filesystem::path session_dir_;
  SpscQueue<SessionInput> queue_;
  std::future<std::string> base_db_;
  std::thread thread_;
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;  // io thread
  bool stopped_ = false;  // io thread

  // Inputs lost at the very end (no later input carried their gap line):
  // handed to the recorder thread by stop(), before stopping_ is set.
  std::uint64_t final_lost_ = 0;
  std::int64_t final_now_ = 0;

  // io thread only.
  std::uint64_t lost_run_ = 0;
  std::int64_t last_now_ = 0;  // the clock value of the last input offered
  std::uint64_t lost_ = 0;
  std::uint64_t gaps_ = 0;

  // The recorder thread's.
  SessionLineWriter lines_;
  std::string text_;                  // whole lines not yet compressed
  std::vector<unsigned char> out_;    // one compressed member
  std::vector<unsigned char> level_;  // ISA-L's level-1 working memory
  int fd_ = -1;
  int chunk_no_ = 0;
  std::filesystem::path chunk_path_;

  // Written by the recorder thread, read by the io thread.
  std::atomic<bool> failed_{false};
  mutable std::mutex error_mutex_;
  std::string error_;
  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> members_{0};
};

}  // namespace tradingd
