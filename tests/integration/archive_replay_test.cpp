// The real tradingd binary replaying the exchanges' archives as they are
// published (design.md §10): the same market written in every format, in the
// exchanges' own file names, containers, headers (or none), units and
// padding, replays into the same journal as tradingd's own rows.
//
// Layouts (see tests/unit/archive_source_test.cpp for where each comes from):
// Binance spot trades without a header in .zip, µs since 2025, True/False;
// Binance futures aggTrades and bookTicker with headers, ms, true/false;
// Bybit derivatives (.csv.gz, seconds with 4 decimals, symbol column) and
// spot (.csv.gz, ms, symbol from the name); Tardis trades and quotes (µs).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <map>

#include "archive_writer.hpp"
#include "daemon_harness.hpp"
#include "random_scenario.hpp"

using namespace tradingd;
using namespace tradingd::test;

namespace {

constexpr long long t0 = 1'764'158'400'000;  // 2025-11-26T12:00:00Z: Binance spot files give µs
const std::string day = "2025-11-26";

// One market row: a trade, a quote, or both at one time (the quote first).
struct Row {
  long long ms = 0;
  std::string coin;
  bool trade = false, quote = false;
  double price = 0, bid = 0, ask = 0;
};

double cents(double p) {
  return std::round(p * 100) / 100;
}

// A rich scenario's market made what every archive can say: prices in cents,
// quotes with both sides, a time of its own per row (so that rows of
// different files never tie, except a row's quote and trade).
std::vector<Row> market(const Scenario& s) {
  std::vector<Row> rows;
  long long ms = t0;
  for (const auto& t : s.ticks) {
    Row r;
    r.ms = ms += 3 + static_cast<long long>(rows.size() % 5);
    r.coin = t.coin;
    r.trade = t.has_price;
    r.price = cents(t.price);
    r.quote = t.has_bid && t.has_ask;
    r.bid = cents(t.bid);
    r.ask = cents(t.ask);
    if (r.trade || r.quote) rows.push_back(r);
  }
  return rows;
}

std::string fmt_price(double p, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, p);
  return buf;
}

std::string tradingd_rows(const std::vector<Row>& rows, bool quotes) {
  std::string out = quotes ? "ts_ms,coin,price,bid,ask\n" : "ts_ms,coin,price\n";
  for (const auto& r : rows) {
    if (!quotes && !r.trade) continue;
    out += std::to_string(r.ms) + "," + r.coin + "," + (r.trade ? fmt_price(r.price, 2) : "");
    if (quotes) out += r.quote ? "," + fmt_price(r.bid, 2) + "," + fmt_price(r.ask, 2) : ",,";
    out += "\n";
  }
  return out;
}

// Per coin: rows of that coin in time order.
std::map<std::string, std::vector<const Row*>> by_coin(const std::vector<Row>& rows) {
  std::map<std::string, std::vector<const Row*>> out;
  for (const auto& r : rows) out[r.coin].push_back(&r);
  return out;
}

// Binance spot trades: no header, prices padded to 8 decimals, µs, True/False.
void binance_spot_trades(const std::filesystem::path& dir, const std::vector<Row>& rows) {
  long long id = 4'357'458'701;
  for (const auto& [coin, list] : by_coin(rows)) {
    std::string text;
    for (const Row* r : list) {
      if (!r->trade) continue;
      ++id;
      text += std::to_string(id) + "," + fmt_price(r->price, 8) + ",0.00008000," + fmt_price(r->price * 0.00008, 8) +
              "," + std::to_string(r->ms * 1000) + (id % 3 ? ",True,True\n" : ",False,True\n");
    }
    const auto zip = dir / (coin + "USDT-trades-" + day + ".zip");
    write_zip(zip, text);
    write_file(dir / (zip.filename().string() + ".CHECKSUM"), "0123abcd  " + zip.filename().string() + "\n");
  }
}

std::string run_dump(DaemonHarness& h, const Scenario& s, std::vector<std::string> sources,
                     std::string* out = nullptr) {
  configure(h, s);
  std::vector<std::string> args = {"--config", (h.dir() / "settings.toml").string(), "--conditions",
                                   h.write("c.json", conditions_json(s.conditions)).string(), "--replay"};
  args.insert(args.end(), sources.begin(), sources.end());
  const auto r = h.run(args, "replay");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(h.invariant_violations(1000.0).empty());
  if (out) *out = r.out;
  return h.dump();
}

}  // namespace

TEST_CASE("archives: the same market in every published format replays into the same journal as tradingd's rows",
          "[integration][replay][archive]") {
  const auto seed = GENERATE(3u, 4u);
  INFO("seed " << seed);
  Scenario s = make_rich_scenario(seed, 3000, 120, t0, false);
  s.paper.fill_on = FillOn::Quote;
  const std::vector<Row> rows = market(s);

  // Trades only.
  std::string ref;
  {
    DaemonHarness h("archive-ref-trades");
    ref = run_dump(h, s, {h.write("ref.csv", tradingd_rows(rows, false)).string()});
  }
  CHECK(ref.find("POSITION_CLOSED") != std::string::npos);

  SECTION("binance-trades: a directory of spot .zip files, their .CHECKSUM files and a coin not configured") {
    DaemonHarness h("archive-binance-spot");
    std::filesystem::create_directories(h.dir() / "spot");
    binance_spot_trades(h.dir() / "spot", rows);
    write_zip(h.dir() / "spot" / ("DOGEUSDT-trades-" + day + ".zip"),
              "1,0.31000000,10.00000000,3.10000000," + std::to_string(t0 * 1000) + ",True,True\n");
    std::string out;
    CHECK(run_dump(h, s, {(h.dir() / "spot").string()}, &out) == ref);
    CHECK_THAT(out, Catch::Contains("Replaying 3 files (3 binance-trades)"));
    CHECK_THAT(out, Catch::Contains("DOGEUSDT-trades-2025-11-26.zip (DOGEUSDT) whole"));
  }
  SECTION("binance-aggtrades: futures .zip files with their header, by a glob") {
    DaemonHarness h("archive-binance-agg");
    std::filesystem::create_directories(h.dir() / "um");
    long long id = 2'481'498'478;
    for (const auto& [coin, list] : by_coin(rows)) {
      std::string text = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n";
      for (const Row* r : list) {
        if (!r->trade) continue;
        ++id;
        text += std::to_string(id) + "," + fmt_price(r->price, id % 2 ? 2 : 8) + ",0.003," + std::to_string(id * 2) +
                "," + std::to_string(id * 2 + 1) + "," + std::to_string(r->ms) + (id % 2 ? ",true\n" : ",false\n");
      }
      write_zip(h.dir() / "um" / (coin + "USDT-aggTrades-" + day + ".zip"), text);
    }
    CHECK(run_dump(h, s, {(h.dir() / "um" / "*-aggTrades-*.zip").string()}) == ref);
  }
  SECTION("bybit-trades: derivatives .csv.gz in seconds with a fraction, and spot in ms") {
    DaemonHarness h("archive-bybit");
    std::vector<std::string> linear, spot;
    for (const auto& [coin, list] : by_coin(rows)) {
      std::string d =
          "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional,RPI\n";
      std::string sp = "id,timestamp,price,volume,side,rpi\n";
      int id = 1;
      for (const Row* r : list) {
        if (!r->trade) continue;
        char ts[40];
        std::snprintf(ts, sizeof ts, "%lld.%03lld0", r->ms / 1000, r->ms % 1000);
        d += std::string(ts) + "," + coin + "USDT,Buy,0.001," + fmt_price(r->price, 2) +
             ",PlusTick,5d0d6d2e-0c59-5b8b-a1e5-4c1b6d7e8f90,9352660000,0.001,93.5266,0\n";
        sp += std::to_string(id++) + "," + std::to_string(r->ms) + "," + fmt_price(r->price, 2) + ",0.003718,sell,0\n";
      }
      linear.push_back((h.dir() / (coin + "USDT" + day + ".csv.gz")).string());
      write_gz(linear.back(), d);
      spot.push_back((h.dir() / (coin + "USDT_" + day + ".csv.gz")).string());
      write_gz(spot.back(), sp);
    }
    CHECK(run_dump(h, s, linear) == ref);
    DaemonHarness h2("archive-bybit-spot");
    CHECK(run_dump(h2, s, spot) == ref);
  }
  SECTION("tardis-trades: one file of every symbol, one of them not configured") {
    DaemonHarness h("archive-tardis-trades");
    std::string text = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
    int id = 0;
    for (const auto& r : rows) {
      if (!r.trade) continue;
      const long long local = r.ms * 1000 + 250;
      // The exchange's time, before arrival, now and then earlier than the previous row's.
      const long long exchange = local - 1500 - (id % 7 == 3 ? 4000 : 0);
      text += "binance," + r.coin + "USDT," + std::to_string(exchange) + "," + std::to_string(local) + "," +
              std::to_string(++id) + ",buy," + fmt_price(r.price, 2) + ",0.5\n";
      if (id % 50 == 0)
        text += "binance,XRPUSDT," + std::to_string(exchange) + "," + std::to_string(local) + ",x,sell,2.1,7\n";
    }
    const auto path = h.dir() / ("binance_trades_" + day + "_SPOT.csv.gz");
    write_gz(path, text);
    std::string out;
    CHECK(run_dump(h, s, {path.string()}, &out) == ref);
    CHECK_THAT(out, Catch::Contains("Replay skipped rows of symbols that are not configured [trading] coins: XRPUSDT " +
                                    std::to_string(id / 50) + " rows"));
  }

  // Trades and quotes: the quote files first on the command line, so that a
  // quote and a trade at one time come quote first, as in tradingd's rows.
  SECTION("quotes: binance-bookticker beside binance-trades, and tardis-quotes beside tardis-trades") {
    DaemonHarness ref_h("archive-ref-quotes");
    const std::string ref_q = run_dump(ref_h, s, {ref_h.write("ref.csv", tradingd_rows(rows, true)).string()});
    CHECK(ref_q != ref);  // the quotes change fills

    DaemonHarness h("archive-binance-quotes");
    std::filesystem::create_directories(h.dir() / "q");
    std::filesystem::create_directories(h.dir() / "t");
    long long update = 6'018'476'046'405;
    for (const auto& [coin, list] : by_coin(rows)) {
      std::string text =
          "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n";
      for (const Row* r : list)
        if (r->quote)
          text += std::to_string(update++) + "," + fmt_price(r->bid, 2) + ",7.528," + fmt_price(r->ask, 2) + ",0.845," +
                  std::to_string(r->ms) + "," + std::to_string(r->ms + 6) + "\n";
      write_zip(h.dir() / "q" / (coin + "USDT-bookTicker-" + day + ".zip"), text);
    }
    binance_spot_trades(h.dir() / "t", rows);
    CHECK(run_dump(h, s, {(h.dir() / "q").string(), (h.dir() / "t").string()}) == ref_q);

    DaemonHarness h2("archive-tardis-quotes");
    std::string quotes = "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n";
    std::string trades = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
    int id = 0;
    for (const auto& r : rows) {
      const std::string local = std::to_string(r.ms * 1000 + 999);
      const std::string exchange = std::to_string(r.ms * 1000 - 800);
      if (r.quote)
        quotes += "binance," + r.coin + "USDT," + exchange + "," + local + ",0.845," + fmt_price(r.ask, 2) + "," +
                  fmt_price(r.bid, 2) + ",7.528\n";
      if (r.trade)
        trades += "binance," + r.coin + "USDT," + exchange + "," + local + "," + std::to_string(++id) + ",sell," +
                  fmt_price(r.price, 2) + ",0.1\n";
    }
    const auto q = h2.dir() / ("binance_quotes_" + day + "_SPOT.csv.gz");
    const auto t = h2.dir() / ("binance_trades_" + day + "_SPOT.csv.gz");
    write_gz(q, quotes);
    write_gz(t, trades);
    CHECK(run_dump(h2, s, {q.string(), t.string()}) == ref_q);
  }
}

TEST_CASE("archives: a damaged file stops start-up naming it, a bad row after the first tick stops the replay there",
          "[integration][replay][archive][input]") {
  DaemonHarness h("archive-damaged");
  h.write_config();
  const auto conditions = h.write("c.json", "[]");
  std::filesystem::create_directories(h.dir() / "d");
  std::string good;
  for (int i = 0; i < 100; ++i)
    good += std::to_string(1000 + i) + ",93576.00000000,0.00008000,7.48608000," + std::to_string((t0 + i) * 1000) +
            ",True,True\n";
  write_zip(h.dir() / "d" / ("BTCUSDT-trades-" + day + ".zip"), good);
  write_zip(h.dir() / "d" / ("ETHUSDT-trades-" + day + ".zip"),
            {{"ETHUSDT-trades-" + day + ".csv", good}, {"extra.csv", good}});
  auto r = h.run({"--config", (h.dir() / "settings.toml").string(), "--conditions", conditions.string(), "--replay",
                  (h.dir() / "d").string()},
                 "two-members");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("ETHUSDT-trades-2025-11-26.zip: the zip archive holds 2 files"));
  CHECK_FALSE(std::filesystem::exists(h.dir() / "journal.db"));  // start-up stopped before the journal opened

  std::filesystem::remove(h.dir() / "d" / ("ETHUSDT-trades-" + day + ".zip"));
  std::string backwards = good;
  backwards += "2000,93577.00000000,0.00008000,7.48608000," + std::to_string((t0 + 50) * 1000) + ",True,True\n";
  write_zip(h.dir() / "d" / ("BTCUSDT-trades-" + day + ".zip"), backwards);
  r = h.run({"--config", (h.dir() / "settings.toml").string(), "--replay", (h.dir() / "d").string()}, "backwards");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("BTCUSDT-trades-2025-11-26.zip:101: time goes backwards"));
  CHECK_THAT(r.out, Catch::Contains("100 rows replayed before it"));

  r = h.run({"--config", (h.dir() / "settings.toml").string(), "--replay", (h.dir() / "d" / "*.parquet").string()},
            "no-match");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("*.parquet: no file matches"));
  r = h.run(
      {"--config", (h.dir() / "settings.toml").string(), "--replay", (h.dir() / "d").string(), "--format", "binance"},
      "bad-format");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--format needs one of tradingd, binance-trades"));
}
