// Long life: what tradingd keeps in memory must not grow with the number of
// conditions ever armed. The ids that may never be reused are looked up in the
// journal (JournalIdHistory), with only the not-yet-committed ones in memory.

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "test_process.hpp"
#include "tradingd/app/trading_system.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/journal/journal_id_history.hpp"

using namespace tradingd;
using tradingd::test::TempDir;

namespace {

constexpr std::int64_t t0 = 1'764'158'400'000;

// Under ASan or TSan, RSS is mostly the sanitizer's shadow memory and
// quarantine: the RSS bound is checked in the plain builds only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

Settings settings_in(const TempDir& dir) {
  Settings s;
  s.trading.coins = {"BTC", "ETH"};
  s.storage.db_path = dir / "journal.db";
  s.log.dir = dir / "logs";
  return s;
}

TradeCondition far_condition(std::string id) {
  TradeCondition c;
  c.id = std::move(id);
  c.coin = "BTC";
  c.direction = Direction::Long;
  c.trigger_type = TriggerType::Above;
  c.trigger_price = 1e6;  // never reached: the condition is consumed by a cancel
  c.stop_loss_pct = 0.02;
  c.position_size_usd = 10;
  c.created_at_ms = t0;
  c.valid_until_ms = t0 + 3'600'000;
  return c;
}

// Resident set size of this process in KiB (/proc/self/statm counts pages).
long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

// Keeps spdlog quiet for a scope: a million "Armed" lines are not the test.
struct QuietLog {
  spdlog::level::level_enum before = spdlog::get_level();
  QuietLog() { spdlog::set_level(spdlog::level::warn); }
  ~QuietLog() { spdlog::set_level(before); }
};

}  // namespace

TEST_CASE("ids are never reused: the journal remembers them, memory keeps only the uncommitted",
          "[unit][memory][journal]") {
  TempDir dir("id-history");
  const Settings settings = settings_in(dir);
  const QuietLog quiet;
  {
    boost::asio::io_context io;
    ManualClock clock(t0);
    TradingSystem sys(io, settings, clock);
    REQUIRE_FALSE(sys.inject_condition(far_condition("a")));
    // Not committed yet: known from memory.
    CHECK(sys.inject_condition(far_condition("a"))->field == "id");
    sys.journal().flush().wait();
    // Committed: still known, now from the journal.
    CHECK(sys.sniper().is_known_id("a"));
    REQUIRE(sys.sniper().cancel("a", "consumed"));
    CHECK(sys.inject_condition(far_condition("a"))->field == "id");
    CHECK_FALSE(sys.sniper().is_known_id("b"));
    sys.shutdown("test");
  }
  boost::asio::io_context io;
  ManualClock clock(t0 + 1000);
  TradingSystem sys(io, settings, clock);  // a restart: nothing of "a" is in memory
  CHECK(sys.inject_condition(far_condition("a"))->field == "id");
  CHECK_FALSE(sys.inject_condition(far_condition("b")));
  sys.shutdown("test");
}

TEST_CASE("memory: arming and consuming 1,000,000 conditions leaves RSS flat", "[unit][memory][journal]") {
  TempDir dir("million");
  const Settings settings = settings_in(dir);
  const QuietLog quiet;
  boost::asio::io_context io;
  ManualClock clock(t0);
  TradingSystem sys(io, settings, clock);
  // Under a sanitizer RSS is shadow memory and is not judged (below): 300,000
  // still cross the writer thread as often as a day's strategist, without a
  // million rounds of TSan's bookkeeping (over 15 minutes on a shared 2-core machine).
  constexpr int total = sanitized ? 300'000 : 1'000'000, warm_up = 100'000, pace = 10'000;
  long rss_after_warm_up = 0, rss_peak = 0;
  for (int i = 0; i < total; ++i) {
    const std::string id = "m-" + std::to_string(i);
    TradeCondition c = far_condition(id);
    c.oco_group = "bracket-" + std::to_string(i);  // a fresh group each time, as a bracketing strategist arms
    if (sys.inject_condition(c)) FAIL("refused " << id);
    if (!sys.sniper().cancel(id, "consumed")) FAIL("not armed " << id);
    if ((i + 1) % pace == 0) {
      // A strategist's pace: the writer keeps up (a test of memory, not of a queue
      // that grows because the producer outruns the disk).
      sys.journal().flush().wait();
      io.poll();
      if (i + 1 == warm_up) rss_after_warm_up = rss_kib();
      if (i + 1 > warm_up) rss_peak = std::max(rss_peak, rss_kib());
    }
  }
  sys.journal().flush().wait();
  CHECK(sys.sniper().active_condition_count() == 0);
  CHECK(sys.inject_condition(far_condition("m-0"))->field == "id");  // the first is still known
  sys.shutdown("test");
  const long growth = rss_peak - rss_after_warm_up;
  std::cout << "memory: RSS " << rss_after_warm_up / 1024.0 << " MiB after " << warm_up << " conditions, peak "
            << rss_peak / 1024.0 << " MiB up to " << total << ": growth " << growth << " KiB\n";
  if (sanitized)
    WARN("sanitizer build: RSS is shadow memory and quarantine; the 2 MiB bound is checked in plain builds");
  else
    CHECK(growth <= 2048);
}
