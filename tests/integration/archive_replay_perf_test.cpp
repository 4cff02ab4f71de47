// Archive replay at scale (docs/performance.md's figure, label perf): 20 archive files
// as the exchanges publish them (10 Binance spot .zip, 10 Bybit spot .csv.gz)
// replayed by the real binary. Prints rows per second; asserts only memory:
// the peak RSS stays inside 64 MiB and does not grow with the rows replayed.

#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "archive_writer.hpp"
#include "daemon_harness.hpp"

using namespace tradingd::test;

namespace {

constexpr long long t0 = 1'764'158'400'000;  // 2025-11-26T12:00:00Z: Binance spot files give µs
const std::vector<std::string> coins = {"BTC", "ETH", "SOL", "BNB", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT"};

// 20 files of rows_per_file rows each, every coin in a Binance and a Bybit file, times interleaved.
void write_archives(const std::filesystem::path& dir, int rows_per_file) {
  std::filesystem::create_directories(dir);
  char line[160];
  for (std::size_t k = 0; k < coins.size(); ++k) {
    std::string binance, bybit = "id,timestamp,price,volume,side,rpi\n";
    binance.reserve(static_cast<std::size_t>(rows_per_file) * 90);
    bybit.reserve(static_cast<std::size_t>(rows_per_file) * 45);
    double p = 100.0 + static_cast<double>(k), q = 50.0 + static_cast<double>(k);
    for (int i = 0; i < rows_per_file; ++i) {
      p *= i % 7 < 3 ? 1.0001 : 0.99995;
      q *= i % 5 < 2 ? 1.0001 : 0.99996;
      const long long ms = t0 + i * 17LL + static_cast<long long>(k);
      int n = std::snprintf(line, sizeof line, "%d,%.8f,0.00008000,%.8f,%lld,%s,True\n", 4'000'000 + i, p, p * 8e-5,
                            ms * 1000, i % 3 ? "True" : "False");
      binance.append(line, static_cast<std::size_t>(n));
      n = std::snprintf(line, sizeof line, "%d,%lld,%.2f,0.003718,%s,0\n", i + 1, ms + 5, q, i % 2 ? "buy" : "sell");
      bybit.append(line, static_cast<std::size_t>(n));
    }
    write_zip(dir / (coins[k] + "USDT-trades-2025-11-26.zip"), binance);
    write_gz(dir / (coins[k] + "USDT_2025-11-26.csv.gz"), bybit);
  }
}

double children_max_rss_mib() {
  rusage usage{};
  REQUIRE(::getrusage(RUSAGE_CHILDREN, &usage) == 0);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

TEST_CASE("archives: 5 M rows from 20 .zip and .gz files replay in flat memory", "[perf][replay][archive]") {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  constexpr int small = 10'000, big = 50'000;  // rows per file: the path, not the figure, under a sanitizer
#else
  constexpr int small = 50'000, big = 250'000;
#endif
  DaemonHarness h("archive-perf");
  h.set("trading", "coins", R"(["BTC","ETH","SOL","BNB","XRP","DOGE","ADA","AVAX","LINK","DOT"])");
  h.set("log", "level", "\"warn\"");
  const auto config = h.write_config();
  double rss[2] = {0, 0};
  int i = 0;
  for (const int per_file : {small, big}) {
    const auto dir = h.dir() / ("a" + std::to_string(per_file));
    write_archives(dir, per_file);
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(h.dir() / (std::string("journal.db") + suffix));
    const auto start = std::chrono::steady_clock::now();
    const auto r = h.run({"--config", config.string(), "--replay", dir.string()}, "replay-" + std::to_string(per_file));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const long long rows = 20LL * per_file;
    rss[i++] = children_max_rss_mib();
    std::printf(
        "archive replay: %lld rows from 20 files (10 .zip, 10 .gz) in %.2f s whole process = %.2f M rows/s, "
        "peak RSS so far %.1f MiB\n",
        rows, seconds, static_cast<double>(rows) / seconds / 1e6, rss[i - 1]);
  }
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  CHECK(rss[1] <= 64.0);
  // Five times the rows, no more memory: the peak after the big run is the small run's, within 8 MiB.
  CHECK(rss[1] - rss[0] <= 8.0);
#endif
}
