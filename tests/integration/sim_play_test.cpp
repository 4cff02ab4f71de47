// exchange-sim --play: archive files (design.md §10) streamed over the wire at
// their own pace, trades as trade frames and quotes as quote frames, through
// the live path of a real tradingd. The fills must be the data's own prices:
// a LONG on quotes enters at the archive's ask and leaves at its bid.

#include <catch2/catch.hpp>
#include <cstdio>

#include "archive_writer.hpp"
#include "live_run.hpp"

using namespace tradingd;
using namespace tradingd::test;

namespace {

constexpr long long t0 = 1'764'158'400'000;  // 2025-11-26T12:00:00Z

std::string price8(double p) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.8f", p);
  return buf;
}

}  // namespace

TEST_CASE("exchange-sim --play streams Binance archives as frames, and tradingd fills at the archive's quotes",
          "[integration][feed][quotes][archive]") {
  for (const std::string exchange : {"bybit", "binance"}) {
    SECTION(exchange) {
      LiveRun run("play-" + exchange, exchange);
      run.daemon.set("paper", "fill_on", "\"quote\"");
      // Trades 100, 100.5, ... 105 every 50 ms of data time; before each, the
      // book 0.05 either side of it (bookTicker, futures layout, ms), the
      // trades as spot files publish them (no header, µs).
      std::string quotes =
          "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n";
      std::string trades;
      for (int i = 0; i <= 10; ++i) {
        const double p = 100.0 + 0.5 * i;
        const long long ms = t0 + 50LL * i;
        quotes += std::to_string(9000 + i) + "," + price8(p - 0.05) + ",1.5," + price8(p + 0.05) + ",2.5," +
                  std::to_string(ms - 1) + "," + std::to_string(ms) + "\n";
        trades += std::to_string(5000 + i) + "," + price8(p) + ",0.01000000," + price8(p * 0.01) + "," +
                  std::to_string(ms * 1000) + ",True,True\n";
      }
      std::filesystem::create_directories(run.daemon.dir() / "data");
      write_zip(run.daemon.dir() / "data" / "BTCUSDT-bookTicker-2025-11-26.zip", quotes);
      write_zip(run.daemon.dir() / "data" / "BTCUSDT-trades-2025-11-26.zip", trades);
      // ABOVE 101.8: the trade at 102 fires; the entry is the ask before it,
      // 102.05. The take-profit (1.5 %) is 103.58: the trade at 104 reaches
      // it, and the exit is the bid before it, 103.95.
      run.write_conditions({condition("long", "BTC", "LONG", "ABOVE", 101.8, 50)});
      SimProcess sim({"--play", (run.daemon.dir() / "data").string(), "--speed", "2", "--coins", "BTC,ETH",
                      "--write-ca", (run.daemon.dir() / "sim-ca.pem").string()},
                     run.daemon.dir(), "sim");
      run.point_at(sim);
      CHECK(run.trade_through(sim, 1, true) == 0);
      INFO(run.log() << "\n--- exchange-sim:\n" << sim.output());
      CHECK_THAT(sim.output(), Catch::Contains("playing 2 files (1 binance-trades, 1 binance-bookticker)"));
      CHECK_THAT(sim.output(), Catch::Contains("path finished after 22 trades"));
      CHECK(run.daemon.query(
                "SELECT entry_price || ' ' || exit_price || ' ' || exit_reason || ' ' || entry_fill || ' ' "
                "|| exit_fill FROM trades WHERE condition_id = 'long'") == "102.05 103.95 TAKE_PROFIT ask bid");
      CHECK_THAT(run.log(), Catch::Contains("Opened T-long LONG BTC at 102.05 (ask, trade 102;"));
    }
  }
}

TEST_CASE("exchange-sim --play: a source that cannot be played stops it at start-up naming the file",
          "[integration][archive]") {
  TempDir dir("play-bad");
  write_file(dir / "x.csv", "a,b,c\n");
  TestProcess p({EXCHANGE_SIM_BINARY, "--plain", "--play", (dir / "x.csv").string()}, dir.path(), "sim");
  CHECK(p.wait(std::chrono::seconds(20)) == 2);
  CHECK_THAT(p.stderr_text(),
             Catch::Contains("exchange-sim: error:") && Catch::Contains("x.csv:1: cannot tell the format"));
  TestProcess q({EXCHANGE_SIM_BINARY, "--plain", "--play", (dir / "x.csv").string(), "--walk", "BTCUSDT:1"}, dir.path(),
                "sim2");
  CHECK(q.wait(std::chrono::seconds(20)) == 2);
  CHECK_THAT(q.stderr_text(), Catch::Contains("give exactly one of --csv, --walk and --play"));
}
