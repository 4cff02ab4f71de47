// The journal: records enqueued by the io thread and committed by the writer
// thread into SQLite (WAL, one transaction a batch).

#include <benchmark/benchmark.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "bench_support.hpp"
#include "tradingd/journal/trade_journal.hpp"

namespace tradingd::bench {
namespace {

// 200,000 events rows a run, submitted as fast as the loop goes: rows/s from
// the first submit to the last commit, and the commit time of batches sampled
// along the way. The ring fills within milliseconds at this pace, so the
// enqueue times of this phase would be those of the overflow list; they are
// measured apart (BM_JournalEnqueue).
void BM_JournalCommit(benchmark::State& state) {
  constexpr std::size_t rows = 200'000;
  const auto dir = std::filesystem::temp_directory_path() / ("tradingd-gbench-journal-" + std::to_string(::getpid()));
  std::vector<double> commit_ms;
  double rows_per_s = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    TradeJournal journal(dir / "journal.db");
    journal.start();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < rows; ++i) {
      journal.submit(AuditEvent{EventKind::Halt, "", "{}", t0 + static_cast<std::int64_t>(i)});
      if ((i & 1023) == 0) {
        journal.pump();
        commit_ms.push_back(journal.stats().last_commit_seconds * 1e3);
      }
    }
    journal.flush().get();
    rows_per_s =
        static_cast<double>(rows) / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (journal.stats().committed < rows) state.SkipWithError("rows were not committed");
    journal.stop();
  }
  std::filesystem::remove_all(dir);
  std::sort(commit_ms.begin(), commit_ms.end());
  state.counters["rows_per_s"] = rows_per_s;
  state.counters["commit_p99_ms"] = commit_ms.empty() ? 0.0 : commit_ms[commit_ms.size() * 99 / 100];
}
BENCHMARK(BM_JournalCommit)->Iterations(3)->Unit(benchmark::kMillisecond);

// The io thread's cost of one record at a pace the writer keeps up with:
// 100,000 events rows a second (far above a trading day's rate) for 2 s, the
// ring's pages touched by a first pass so page faults of its first use are not
// counted. Each time includes building the record and two clock reads.
void BM_JournalEnqueue(benchmark::State& state) {
  constexpr std::size_t rows = 200'000;
  constexpr auto gap = std::chrono::microseconds(10);
  const auto dir = std::filesystem::temp_directory_path() / ("tradingd-gbench-enqueue-" + std::to_string(::getpid()));
  std::vector<double> enqueue_ns;
  enqueue_ns.reserve(rows);
  std::uint64_t overflowed = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    TradeJournal journal(dir / "journal.db");
    journal.start();
    for (std::size_t i = 0; i < TradeJournal::default_capacity; ++i) {  // first use of every slot
      journal.submit(AuditEvent{EventKind::Halt, "", "{}", t0});
      if ((i & 1023) == 0) journal.flush().get();
    }
    journal.flush().get();
    enqueue_ns.clear();
    auto next = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < rows; ++i) {
      while (std::chrono::steady_clock::now() < next) {
      }
      next += gap;
      const auto a = std::chrono::steady_clock::now();
      journal.submit(AuditEvent{EventKind::Halt, "", "{}", t0 + static_cast<std::int64_t>(i)});
      enqueue_ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - a).count());
    }
    journal.flush().get();
    overflowed = journal.stats().overflowed;
    journal.stop();
  }
  std::filesystem::remove_all(dir);
  std::sort(enqueue_ns.begin(), enqueue_ns.end());
  state.counters["enqueue_p50_ns"] = enqueue_ns[enqueue_ns.size() / 2];
  state.counters["enqueue_p99_ns"] = enqueue_ns[enqueue_ns.size() * 99 / 100];
  state.counters["enqueue_p999_ns"] = enqueue_ns[enqueue_ns.size() * 999 / 1000];
  state.counters["overflowed"] = static_cast<double>(overflowed);
}
BENCHMARK(BM_JournalEnqueue)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tradingd::bench
