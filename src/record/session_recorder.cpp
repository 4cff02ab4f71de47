#include "tradingd/record/session_recorder.hpp"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "tradingd/record/session_format.hpp"

namespace tradingd {
namespace {

// DIR/<YYYYMMDDTHHMMSSZ>: sessions sort by name as they sort by time.
std::string stamp(std::int64_t epoch_ms) {
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool is_session_name(const std::string& name) {
  // YYYYMMDDTHHMMSSZ, perhaps with "-N" after it (two starts in one second).
  if (name.size() < 16 || name[8] != 'T' || name[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i)
    if (i != 8 && (name[i] < '0' || name[i] > '9')) return false;
  return name.size() == 16 || name[16] == '-';
}

}  // namespace

SessionRecorder::SessionRecorder(const RecordSettings& settings, const std::string& config_toml,
                                 std::vector<std::string> coin_names, std::int64_t start_ms, std::size_t capacity)
    : settings_(settings), queue_(capacity), lines_(std::move(coin_names)) {
  std::error_code ec;
  std::filesystem::create_directories(settings_.dir, ec);
  if (ec) throw std::runtime_error("[record] dir " + settings_.dir.string() + ": cannot create it: " + ec.message());
  const std::string name = stamp(start_ms);
  for (int n = 1;; ++n) {
    session_dir_ = settings_.dir / (n == 1 ? name : name + "-" + std::to_string(n));
    if (std::filesystem::create_directory(session_dir_, ec)) break;
    if (ec) throw std::runtime_error("[record] dir: cannot create " + session_dir_.string() + ": " + ec.message());
  }
  std::ofstream cfg(session_dir_ / "config.toml");
  cfg << config_toml;
  cfg.close();
  if (!cfg) throw std::runtime_error("[record] dir: cannot write " + (session_dir_ / "config.toml").string());
  queue_.prefault();
}

SessionRecorder::~SessionRecorder() {
  stop();
}

void SessionRecorder::start(std::future<std::string> base_db) {
  if (started_) return;
  started_ = true;
  base_db_ = std::move(base_db);
  thread_ = std::thread([this] { run(); });
}

void SessionRecorder::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!started_) return;
  // Losses no later input could mark: the recorder thread marks them last.
  final_lost_ = lost_run_;
  final_now_ = last_now_;
  lost_run_ = 0;
  {
    std::lock_guard lock(wake_mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_cv_.notify_one();
  thread_.join();
}

RecorderStats SessionRecorder::stats() const {
  RecorderStats s;
  s.recorded = recorded_.load(std::memory_order_relaxed);
  s.lost = lost_;
  s.gaps = gaps_;
  s.bytes = bytes_.load(std::memory_order_relaxed);
  s.members = members_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_acquire);
  return s;
}

std::string SessionRecorder::error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

void SessionRecorder::fail(const std::string& what) {
  {
    std::lock_guard lock(error_mutex_);
    error_ = what;
  }
  failed_.store(true, std::memory_order_release);
  spdlog::error("Recording stopped: {}; trading goes on, the recording {} ends here", what, session_dir_.string());
}

void SessionRecorder::run() {
  // base.db first: a chunk without its base cannot be replayed.
  std::string base_error;
  try {
    base_error = base_db_.get();
  } catch (const std::exception& e) {
    base_error = e.what();
  }
  if (!base_error.empty()) return fail("writing " + base_db_path().string() + ": " + base_error);
  level_.resize(ISAL_DEF_LVL1_DEFAULT);
  text_.reserve(member_bytes + SessionFormat::max_line_bytes);
  remove_old_sessions();
  if (!open_chunk()) return;

  const auto rotate_after = std::chrono::minutes(settings_.rotate_minutes);
  auto chunk_started = std::chrono::steady_clock::now();
  auto last_member = chunk_started;
  SessionInput in;
  while (true) {
    const bool stopping = stopping_.load(std::memory_order_acquire);
    std::uint64_t n = 0;
    while (queue_.try_pop(in)) {
      lines_.append(in, text_);
      ++n;
      if (text_.size() >= member_bytes && !write_member()) return;
    }
    if (n) recorded_.fetch_add(n, std::memory_order_relaxed);
    if (stopping && final_lost_ != 0) {
      // The queue is drained (stop() pushes nothing after setting stopping_).
      SessionInput gap;
      gap.kind = SessionInput::Kind::Gap;
      gap.now_ms = final_now_;
      gap.ts_ms = static_cast<std::int64_t>(final_lost_);
      lines_.append(gap, text_);
      final_lost_ = 0;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!text_.empty() && (stopping || now - last_member >= member_period)) {
      if (!write_member()) return;
      last_member = now;
    }
    if (stopping) break;
    if (now - chunk_started >= rotate_after) {
      close_chunk();
      remove_old_sessions();
      if (!open_chunk()) return;
      chunk_started = now;
    }
    if (queue_.size() == 0) {
      // A poll, not a wake per input: a wake is a syscall on the io thread.
      std::unique_lock lock(wake_mutex_);
      wake_cv_.wait_for(lock, poll_period, [this] { return stopping_.load(std::memory_order_acquire); });
    }
  }
  close_chunk();
}

bool SessionRecorder::open_chunk() {
  char name[32];
  std::snprintf(name, sizeof name, "inputs-%04d.csv.gz", ++chunk_no_);
  chunk_path_ = session_dir_ / name;
  fd_ = ::open(chunk_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    fail("creating " + chunk_path_.string() + ": " + std::strerror(errno));
    return false;
  }
  text_.append(SessionFormat::magic);
  text_ += '\n';
  return write_member();
}

void SessionRecorder::close_chunk() {
  if (fd_ < 0) return;
  if (!text_.empty()) (void)write_member();
  if (fd_ >= 0 && ::close(fd_) != 0 && !failed_.load())
    fail("closing " + chunk_path_.string() + ": " + std::strerror(errno));
  fd_ = -1;
}

bool SessionRecorder::write_member() {
  // One gzip member per call, whole lines only: a crash cuts at most this one.
  out_.resize(text_.size() + text_.size() / 16 + 1024);
  isal_zstream s;
  isal_deflate_stateless_init(&s);
  s.level = 1;
  s.level_buf = level_.data();
  s.level_buf_size = static_cast<std::uint32_t>(level_.size());
  s.gzip_flag = IGZIP_GZIP;
  s.end_of_stream = 1;
  s.flush = NO_FLUSH;
  s.next_in = reinterpret_cast<std::uint8_t*>(text_.data());
  s.avail_in = static_cast<std::uint32_t>(text_.size());
  s.next_out = out_.data();
  s.avail_out = static_cast<std::uint32_t>(out_.size());
  if (const int r = isal_deflate_stateless(&s); r != COMP_OK) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    fail("compressing for " + chunk_path_.string() + ": ISA-L error " + std::to_string(r));
    return false;
  }
  const std::size_t n = out_.size() - s.avail_out;
  text_.clear();
  if (!write_all(out_.data(), n)) return false;
  bytes_.fetch_add(n, std::memory_order_relaxed);
  members_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool SessionRecorder::write_all(const unsigned char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : EIO;
      ::close(fd_);
      fd_ = -1;
      fail("writing " + chunk_path_.string() + ": " + std::strerror(err));
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void SessionRecorder::remove_old_sessions() const {
  if (settings_.keep_hours <= 0) return;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::hours(settings_.keep_hours);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(settings_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec) || !is_session_name(name) || entry.path() == session_dir_) continue;
    // A session's age is that of its newest file: a long session is kept while it is recent.
    auto newest = std::filesystem::last_write_time(entry.path(), ec);
    for (const auto& f : std::filesystem::directory_iterator(entry.path(), ec))
      newest = std::max(newest, std::filesystem::last_write_time(f.path(), ec));
    if (ec || newest >= cutoff) continue;
    std::filesystem::remove_all(entry.path(), ec);
    if (ec)
      spdlog::warn("Recording: could not delete the old session {}: {}", entry.path().string(), ec.message());
    else
      spdlog::info("Recording: deleted the session {} (older than [record] keep_hours = {})", entry.path().string(),
                   settings_.keep_hours);
  }
}

}  // namespace tradingd
