// The real tradingd binary under --replay, checked the way a user checks it:
// exit code, then every journal row with sqlite.

#include <sys/resource.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <utility>

#include "daemon_harness.hpp"
#include "model_check.hpp"
#include "reference_model.hpp"

using namespace tradingd;
using namespace tradingd::test;
using Catch::Matchers::WithinAbs;

namespace {

constexpr long long t0 = 1'764'158'400'000;  // 2025-11-26T12:00:00Z

std::string seed_condition(const std::string& id, const std::string& coin, const std::string& dir,
                           const std::string& trigger, double price, double size) {
  return R"({"id":")" + id + R"(","coin":")" + coin + R"(","direction":")" + dir + R"(","trigger_type":")" + trigger +
         R"(","trigger_price":)" + std::to_string(price) +
         R"(,"stop_loss_pct":0.02,"take_profit_pct":0.015,"position_size_usd":)" + std::to_string(size) +
         R"(,"strategy_id":"seed","reasoning":"seed check","valid_until":"2030-01-01T00:00:00Z"})";
}

std::string ticks(const std::vector<std::pair<std::string, double>>& path) {
  std::string out = "ts_ms,coin,price\n";
  long long t = t0;
  for (const auto& [coin, price] : path)
    out += std::to_string(t += 100) + "," + coin + "," + std::to_string(price) + "\n";
  return out;
}

struct Expected {
  std::string coin, direction, exit_reason;
  double entry, exit, size;
  long long entry_ms, exit_ms;
};

void check_closed_trade(const DaemonHarness& h, const std::string& cond_id, const Expected& e) {
  const std::string where = " FROM trades WHERE condition_id = '" + cond_id + "'";
  REQUIRE(h.query("SELECT count(*)" + where) == "1");
  const double qty = e.size / e.entry;
  const double entry_fee = e.size * 0.001;
  const double exit_fee = qty * e.exit * 0.001;
  const double gross = e.direction == "LONG" ? qty * (e.exit - e.entry) : qty * (e.entry - e.exit);
  const double pnl = gross - entry_fee - exit_fee;
  const double sl = e.direction == "LONG" ? e.entry * 0.98 : e.entry * 1.02;
  const double tp = e.direction == "LONG" ? e.entry * 1.015 : e.entry * 0.985;
  CHECK(h.query("SELECT id" + where) == "T-" + cond_id);
  CHECK(h.query("SELECT coin" + where) == e.coin);
  CHECK(h.query("SELECT direction" + where) == e.direction);
  CHECK(h.query("SELECT status" + where) == "CLOSED");
  CHECK(h.query("SELECT exit_reason" + where) == e.exit_reason);
  CHECK(h.query("SELECT strategy_id" + where) == "seed");
  CHECK(h.query("SELECT entry_ms" + where) == std::to_string(e.entry_ms));
  CHECK(h.query("SELECT exit_ms" + where) == std::to_string(e.exit_ms));
  CHECK_THAT(h.query_double("SELECT size_usd" + where), WithinAbs(e.size, 1e-9));
  CHECK_THAT(h.query_double("SELECT qty" + where), WithinAbs(qty, 1e-12));
  CHECK_THAT(h.query_double("SELECT entry_price" + where), WithinAbs(e.entry, 1e-9));
  CHECK_THAT(h.query_double("SELECT exit_price" + where), WithinAbs(e.exit, 1e-9));
  CHECK_THAT(h.query_double("SELECT stop_loss_price" + where), WithinAbs(sl, 1e-9));
  CHECK_THAT(h.query_double("SELECT take_profit_price" + where), WithinAbs(tp, 1e-9));
  CHECK_THAT(h.query_double("SELECT fees_usd" + where), WithinAbs(entry_fee + exit_fee, 1e-9));
  CHECK_THAT(h.query_double("SELECT pnl_usd" + where), WithinAbs(pnl, 1e-9));
  // the balance row this close caused
  CHECK(h.query("SELECT reason FROM balance WHERE trade_id = 'T-" + cond_id + "'") == "TRADE_CLOSED");
  CHECK(h.query("SELECT ts_ms FROM balance WHERE trade_id = 'T-" + cond_id + "'") == std::to_string(e.exit_ms));
  CHECK(h.query("SELECT status FROM conditions WHERE id = '" + cond_id + "'") == "TRIGGERED");
  CHECK(h.query("SELECT updated_ms FROM conditions WHERE id = '" + cond_id + "'") == std::to_string(e.entry_ms));
}

// The seed's condition (BTC ABOVE 42000, LONG, $100, SL 2 %, TP 1.5 %) replayed
// over `path` on a fresh journal; the daemon must exit 0.
DaemonHarness::Result replay_seed(const DaemonHarness& h, const std::vector<std::pair<std::string, double>>& path) {
  h.write_config();
  const auto conditions =
      h.write("conditions.json", "[" + seed_condition("seed", "BTC", "LONG", "ABOVE", 42000, 100) + "]");
  return h.replay(conditions, h.write("ticks.csv", ticks(path)));
}

}  // namespace

TEST_CASE("seed check: BTC ABOVE 42000 LONG $100 opens at 42001 and takes profit", "[integration][replay]") {
  DaemonHarness h("seed-tp");
  // 42631.015 is the take-profit level (42001 x 1.015)
  const auto r = replay_seed(h, {{"BTC", 41999}, {"BTC", 42001}, {"BTC", 42500}, {"BTC", 42631.02}});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  // after 41999 nothing opened: the only trade entered at 42001, on the second tick
  check_closed_trade(h, "seed", {"BTC", "LONG", "TAKE_PROFIT", 42001, 42631.02, 100, t0 + 200, t0 + 400});
  CHECK(h.query("SELECT count(*) FROM trades") == "1");

  const double qty = 100.0 / 42001.0;
  const double pnl = qty * (42631.02 - 42001) - 0.1 - qty * 42631.02 * 0.001;
  CHECK(h.query("SELECT group_concat(reason, ',') FROM (SELECT reason FROM balance ORDER BY seq)") ==
        "INITIAL,TRADE_CLOSED");
  CHECK(h.query("SELECT balance FROM balance WHERE reason = 'INITIAL'") == "1000.0");
  CHECK(h.query("SELECT ts_ms FROM balance WHERE reason = 'INITIAL'") == std::to_string(t0 + 100));
  CHECK_THAT(h.query_double("SELECT balance FROM balance ORDER BY seq DESC LIMIT 1"), WithinAbs(1000 + pnl, 1e-9));
  CHECK(std::round((1000 + pnl) * 100) / 100 == 1001.30);  // to the cent

  // the condition row carries every field of design.md §3
  CHECK(h.query("SELECT coin || ',' || direction || ',' || trigger_type || ',' || trigger_price || ',' || "
                "stop_loss_pct || ',' || take_profit_pct || ',' || position_size_usd || ',' || strategy_id || ',' "
                "|| reasoning || ',' || valid_until_ms || ',' || created_at_ms || ',' || status_reason "
                "FROM conditions WHERE id = 'seed'") ==
        "BTC,LONG,ABOVE,42000.0,0.02,0.015,100.0,seed,seed check,1893456000000," + std::to_string(t0 + 100) +
            ",T-seed");
  CHECK(h.query("SELECT group_concat(kind, ',') FROM (SELECT kind FROM events ORDER BY seq)") ==
        "BALANCE_SET,STARTUP,CONDITION_ARMED,POSITION_OPENED,POSITION_CLOSED,SHUTDOWN");
  CHECK_THAT(r.out, Catch::Contains("Replay finished: 4 ticks"));
  CHECK_THAT(r.out, Catch::Contains("Shutdown complete"));
}

TEST_CASE("seed check: the same entry stopped out", "[integration][replay]") {
  DaemonHarness h("seed-sl");
  // sl = 42001 x 0.98 = 41160.98: 41500 holds, 41100 stops out
  const auto r = replay_seed(h, {{"BTC", 41999}, {"BTC", 42001}, {"BTC", 41500}, {"BTC", 41100}});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  check_closed_trade(h, "seed", {"BTC", "LONG", "STOP_LOSS", 42001, 41100, 100, t0 + 200, t0 + 400});
}

TEST_CASE("SHORT entries take profit below and stop out above", "[integration][replay]") {
  DaemonHarness h("short");
  h.set("risk", "max_exposure_pct", "0.5");
  h.write_config();
  const auto conditions =
      h.write("conditions.json", "[" + seed_condition("eth-short", "ETH", "SHORT", "BELOW", 2200, 100) + "," +
                                     seed_condition("sol-short", "SOL", "SHORT", "BELOW", 95, 50) + "]");
  // ETH: opens at 2199, tp = 2199 x 0.985 = 2166.015. SOL: opens at 94.5, sl = 94.5 x 1.02 = 96.39
  const auto path = h.write(
      "ticks.csv",
      ticks({{"ETH", 2201}, {"SOL", 96}, {"ETH", 2199}, {"SOL", 94.5}, {"ETH", 2180}, {"SOL", 96.4}, {"ETH", 2166}}));
  const auto r = h.replay(conditions, path);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  check_closed_trade(h, "eth-short", {"ETH", "SHORT", "TAKE_PROFIT", 2199, 2166, 100, t0 + 300, t0 + 700});
  check_closed_trade(h, "sol-short", {"SOL", "SHORT", "STOP_LOSS", 94.5, 96.4, 50, t0 + 400, t0 + 600});
  CHECK(h.invariant_violations(1000.0).empty());
}

namespace {

// The reference model fed the scenario as --replay feeds tradingd: the sweep
// before the first row of each tick-time second and after the last, a row's
// quote before its trade, then [shutdown] conditions = "cancel".
ReferenceModel replayed_model(const Scenario& s) {
  ReferenceModel model(s.risk, s.paper);
  for (const auto& c : s.conditions) model.arm(c);
  long long last_second = -1;
  for (const auto& t : s.ticks) {
    if (t.ts / 1000 != last_second) {
      last_second = t.ts / 1000;
      model.sweep(t.ts);
    }
    if (t.has_quote()) model.quote(t.coin, ModelQuote{t.has_bid, t.has_ask, t.bid, t.ask}, t.ts);
    if (t.has_price) model.tick(t.coin, t.price, t.ts);
  }
  model.sweep(s.ticks.back().ts);
  model.cancel_all(s.ticks.back().ts);
  return model;
}

}  // namespace

TEST_CASE("the same rows and conditions on an empty journal give the same journal, the reference model's to 1e-9",
          "[integration][replay][property]") {
  // Trades with fixed levels, then trades and quotes with trailing stops, time
  // limits, OCO groups, cooldowns, quote fills and slippage.
  const auto [rich, seed] = GENERATE(std::pair{false, 11u}, std::pair{false, 22u}, std::pair{false, 33u},
                                     std::pair{true, 5u}, std::pair{true, 6u}, std::pair{true, 7u});
  INFO((rich ? "rich" : "classic") << " seed " << seed);
  // Replay rows hold real prices only (design.md §10): the Sniper's own dropping
  // of invalid ones is the property test's (sniper_property_test.cpp).
  const Scenario s = rich ? make_rich_scenario(seed, 4000, 150, t0, false) : make_scenario(seed, 4000, 120, t0, false);
  std::string dumps[2];
  for (int run = 0; run < 2; ++run) {
    DaemonHarness h("determinism-" + std::to_string(seed) + "-" + std::to_string(run));
    configure(h, s);
    const auto r = h.replay(h.write("c.json", conditions_json(s.conditions)), h.write("t.csv", ticks_csv(s.ticks)));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    dumps[run] = h.dump();
    REQUIRE(h.invariant_violations(1000.0).empty());
    if (run != 0) continue;
    auto seen = check_against(h, replayed_model(s));
    std::string summary;
    for (const auto& [k, v] : seen) summary += k + " " + std::to_string(v) + "; ";
    INFO(summary);
    std::size_t closed = 0;
    for (const auto& [k, v] : seen)
      if (k.rfind("CLOSED", 0) == 0) closed += v;
    CHECK(closed > 10);
    if (rich) {
      CHECK(seen["CLOSED TRAILING_STOP"] > 0);
      CHECK(seen["CLOSED TIME_LIMIT"] > 0);
      CHECK(seen["CANCELLED oco"] > 0);
    }
  }
  CHECK(dumps[0] == dumps[1]);
}

TEST_CASE("replay: a price, bid or ask that is not a real price makes its row malformed",
          "[integration][replay][input]") {
  // design.md §10 "Prices": a row whose price is not a real price (§4 step 1) is
  // an error naming file and line, never a tick passed on.
  for (const std::string bad : {"nan", "-5", "0", "inf", "1e-320", "2e12"}) {
    DaemonHarness h("invalid");
    h.write_config();
    const auto conditions =
        h.write("conditions.json", "[" + seed_condition("seed", "BTC", "LONG", "BELOW", 42000, 100) + "]");
    const auto path =
        h.write("ticks.csv", "ts_ms,coin,price\n" + std::to_string(t0) + ",BTC,43000\n" + std::to_string(t0 + 1) +
                                 ",BTC," + bad + "\n" + std::to_string(t0 + 4) + ",BTC,41000\n");
    const auto r = h.replay(conditions, path);
    INFO(bad << "\n" << r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("ticks.csv:3: price: '" + bad + "' is not a real price"));
    CHECK(h.query("SELECT count(*) FROM trades") == "0");  // the row after it never traded
  }
  DaemonHarness h("invalid-quote");
  h.write_config();
  const auto conditions =
      h.write("conditions.json", "[" + seed_condition("seed", "BTC", "LONG", "BELOW", 42000, 100) + "]");
  const auto path = h.write("ticks.csv", "ts_ms,coin,price,bid,ask\n" + std::to_string(t0) + ",BTC,,1e-320,43000\n");
  const auto r = h.replay(conditions, path);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("ticks.csv:2: bid: '1e-320' is not a real price"));
}

TEST_CASE("replay: a gzip file replays like the plain one, and a big file streams in bounded memory",
          "[integration][replay]") {
  DaemonHarness h("replay-stream");
  h.write_config();
  const auto conditions =
      h.write("conditions.json", "[" + seed_condition("seed", "BTC", "LONG", "ABOVE", 42000, 100) + "]");
  // 3,000,000 rows (about 90 MB): BTC wanders below the trigger, crosses it
  // at row 2,000,000 and takes profit at the last row.
  constexpr int rows = 3'000'000, cross = 2'000'000;
  std::string text = "ts_ms,coin,price\n";
  text.reserve(static_cast<std::size_t>(rows) * 30);
  char line[64];
  for (int i = 0; i < rows; ++i) {
    const char* coin = i % 3 == 0 ? "BTC" : i % 3 == 1 ? "ETH" : "SOL";
    double price = i % 3 == 0 ? 41000.0 + (i % 997) : 2000.0 + (i % 89);
    if (i >= cross && i % 3 == 0) price = i + 3 >= rows ? 42700.0 : 42001.0;
    const int n = std::snprintf(line, sizeof line, "%lld,%s,%.2f\n", t0 + i / 10, coin, price);
    text.append(line, static_cast<std::size_t>(n));
  }
  const auto plain = h.write("big.csv", text);
  {
    gzFile gz = gzopen((h.dir() / "big.csv.gz").c_str(), "wb1");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size()));
    REQUIRE(gzclose(gz) == Z_OK);
  }
  const std::size_t text_bytes = text.size();
  std::string().swap(text);

  auto trades = [&] {
    return h.query("SELECT entry_price || ' ' || exit_price || ' ' || exit_reason || ' ' || entry_ms FROM trades");
  };
  const auto r = h.replay(conditions, plain, "plain");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Replay finished: 3000000 ticks"));
  const std::string expected = "42001.0 42700.0 TAKE_PROFIT " + std::to_string(t0 + cross / 10);
  CHECK(trades() == expected);
  rusage usage{};
  REQUIRE(::getrusage(RUSAGE_CHILDREN, &usage) == 0);
  const double max_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  std::printf("replay of %d rows (%.0f MB): tradingd max RSS %.1f MiB\n", rows, static_cast<double>(text_bytes) / 1e6,
              max_rss_mib);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  CHECK(max_rss_mib < 40.0);  // the rows alone would take 72 MB held in memory
#endif

  for (const char* suffix : {"", "-wal", "-shm"})  // a fresh journal for the second run
    std::filesystem::remove(h.db_path().string() + suffix);
  const auto z = h.replay(conditions, h.dir() / "big.csv.gz", "gzip");
  INFO(z.out << z.err);
  REQUIRE(z.exit_code == 0);
  CHECK_THAT(z.out, Catch::Contains("Replay finished: 3000000 ticks"));
  CHECK(trades() == expected);
}
