// tradingd against exchange-sim over wss, as a user runs it: real processes on
// loopback, checked through the journal, the log and the exit code.

#include "live_run.hpp"

using namespace tradingd::test;

namespace {

// LONG BTC above 101 fires at 101 and takes profit at 103 (TP 102.515); SHORT
// BTC below 99 fires at 98.9 and stops out at 101.5 (SL 100.878). ETH trades
// in between so two symbols share the connection.
constexpr const char* price_path =
    "ts_ms,symbol,price\n"
    "0,BTCUSDT,100\n0,ETHUSDT,2000\n0,BTCUSDT,100.5\n0,BTCUSDT,101\n0,BTCUSDT,102\n0,ETHUSDT,2001\n"
    "0,BTCUSDT,103\n0,BTCUSDT,100\n0,ETHUSDT,1999.5\n0,BTCUSDT,98.9\n0,BTCUSDT,99.5\n0,BTCUSDT,101.5\n"
    "0,ETHUSDT,2000\n0,BTCUSDT,101\n";
constexpr int path_messages = 14;

// The standard run: the path above and its two conditions.
struct PathRun : LiveRun {
  PathRun(const std::string& tag, const std::string& exchange_name) : LiveRun(tag, exchange_name) {
    write_path(price_path);
    write_conditions(
        {condition("long-1", "BTC", "LONG", "ABOVE", 101, 50), condition("short-1", "BTC", "SHORT", "BELOW", 99, 30)});
  }

  // design.md §4 to the cent: rows, fees, P&L and the balance.
  void check_journal() const {
    constexpr double fee = 0.001;
    struct Expect {
      const char *id, *condition, *direction, *reason;
      double size, entry, exit;
    };
    const Expect trades[] = {{"T-long-1", "long-1", "LONG", "TAKE_PROFIT", 50, 101, 103},
                             {"T-short-1", "short-1", "SHORT", "STOP_LOSS", 30, 98.9, 101.5}};
    double balance = 1000.0;
    for (const auto& t : trades) {
      INFO(t.id);
      const std::string where = std::string(" FROM trades WHERE id='") + t.id + "'";
      CHECK(daemon.query("SELECT condition_id" + where) == t.condition);
      CHECK(daemon.query("SELECT coin" + where) == "BTC");
      CHECK(daemon.query("SELECT direction" + where) == t.direction);
      CHECK(daemon.query("SELECT status" + where) == "CLOSED");
      CHECK(daemon.query("SELECT exit_reason" + where) == t.reason);
      CHECK(daemon.query("SELECT strategy_id" + where) == "s1");
      const double qty = t.size / t.entry;
      const bool lng = std::string(t.direction) == "LONG";
      const double gross = lng ? qty * (t.exit - t.entry) : qty * (t.entry - t.exit);
      const double fees = t.size * fee + qty * t.exit * fee;
      CHECK(daemon.query_double("SELECT entry_price" + where) == Approx(t.entry).margin(1e-12));
      CHECK(daemon.query_double("SELECT exit_price" + where) == Approx(t.exit).margin(1e-12));
      CHECK(daemon.query_double("SELECT qty" + where) == Approx(qty).margin(1e-12));
      CHECK(daemon.query_double("SELECT fees_usd" + where) == Approx(fees).margin(1e-9));
      CHECK(daemon.query_double("SELECT pnl_usd" + where) == Approx(gross - fees).margin(1e-9));
      const double sl = lng ? t.entry * 0.98 : t.entry * 1.02;
      const double tp = lng ? t.entry * 1.015 : t.entry * 0.985;
      CHECK(daemon.query_double("SELECT stop_loss_price" + where) == Approx(sl).margin(1e-9));
      CHECK(daemon.query_double("SELECT take_profit_price" + where) == Approx(tp).margin(1e-9));
      balance += gross - fees;
    }
    CHECK(daemon.query("SELECT count(*) FROM trades") == "2");
    CHECK(daemon.query("SELECT group_concat(status) FROM (SELECT status FROM conditions ORDER BY id)") ==
          "TRIGGERED,TRIGGERED");
    CHECK(daemon.query_double("SELECT balance FROM balance ORDER BY seq DESC LIMIT 1") == Approx(balance).margin(1e-9));
    CHECK(daemon.invariant_violations(1000.0).empty());
  }
};

}  // namespace

TEST_CASE("live over wss: LONG takes profit, SHORT stops out, SIGTERM exits 0", "[integration][feed]") {
  for (const std::string exchange : {"bybit", "binance"}) {
    SECTION(exchange) {
      PathRun run("live-" + exchange, exchange);
      SimProcess sim(run.sim_args({}), run.daemon.dir(), "sim");
      run.point_at(sim);
      CHECK(run.trade_through(sim, 2, true) == 0);
      run.check_journal();
      const std::string log = run.log();
      CHECK(log.find("Connected to " + exchange + " (" + sim.url()) != std::string::npos);
      CHECK(log.find("subscribed to 2 coins") != std::string::npos);
      CHECK(log.find("Feed: OK (" + exchange + ")") != std::string::npos);
      CHECK(log.find("Disconnected") == std::string::npos);
      CHECK(log.find("Feed " + exchange + " stopped: " + std::to_string(path_messages) + " ticks") !=
            std::string::npos);
    }
  }
}

TEST_CASE("live: bad frames mixed in are dropped and counted, the trades are the same", "[integration][feed]") {
  for (const std::string exchange : {"bybit", "binance"}) {
    SECTION(exchange) {
      PathRun run("bad-frames-" + exchange, exchange);
      // after messages 3,6,9,12 a truncated frame; 4,8,12 a price "abc"; 5,10 symbol ZZZUSDT
      SimProcess sim(run.sim_args({"--malformed-every", "3", "--bad-price-every", "4", "--unknown-symbol-every", "5"}),
                     run.daemon.dir(), "sim");
      run.point_at(sim);
      CHECK(run.trade_through(sim, 2, true) == 0);
      run.check_journal();
      const std::string log = run.log();
      CHECK(log.find("Feed " + exchange + " stopped: " + std::to_string(path_messages) + " ticks in " +
                     std::to_string(path_messages + 9 + (exchange == "bybit" ? 1 : 0)) +
                     " frames, 9 bad frames (invalid_json 4, missing_field 0, bad_price 3, unknown_symbol 2, "
                     "crossed_quote 0, bad_time 0)") != std::string::npos);
      CHECK(log.find(exchange + ": dropped a bad frame (invalid_json)") != std::string::npos);
      CHECK(log.find("Disconnected") == std::string::npos);  // the connection stayed up
    }
  }
}

TEST_CASE("live: the sim closes the connection mid-path, tradingd reconnects, resubscribes, finishes",
          "[integration][feed]") {
  for (const std::string exchange : {"bybit", "binance"}) {
    SECTION(exchange) {
      PathRun run("reconnect-" + exchange, exchange);
      SimProcess sim(run.sim_args({"--close-after", "5", "--close-code", "1011", "--trades-per-frame", "2"}),
                     run.daemon.dir(), "sim");
      run.point_at(sim);
      CHECK(run.trade_through(sim) == 0);
      run.check_journal();
      const std::string log = run.log();
      CHECK(count_of(log, "Disconnected from " + exchange +
                              ": closed by the server (code 1011, simulated close); "
                              "retrying in") >= 1);
      CHECK(count_of(log, "Connected to " + exchange) >= 2);
      CHECK(count_of(sim.output(), "closing after 5 messages") >= 1);
    }
  }
}

TEST_CASE("live: Binance serverShutdown: make-before-break, no trade missed or doubled", "[integration][feed]") {
  PathRun run("server-shutdown", "binance");
  SimProcess sim(run.sim_args({"--shutdown-after", "6"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  CHECK(run.trade_through(sim, 2, true) == 0);
  run.check_journal();
  const std::string log = run.log();
  CHECK(log.find("binance announced a server shutdown") != std::string::npos);
  CHECK(log.find("binance: rotating the connection (server shutdown announced): opening the new one before closing "
                 "the old") != std::string::npos);
  CHECK(log.find("binance: the new connection is live and takes over") != std::string::npos);
  CHECK(log.find("Disconnected from binance") == std::string::npos);  // no gap: trading never paused
  // Every trade of the path reached the Sniper exactly once.
  // (The sim repeats the fault on each connection, so there may be more than one rotation.)
  CHECK(log.find("Feed binance stopped: " + std::to_string(path_messages) + " ticks") != std::string::npos);
  CHECK_THAT(log,
             Catch::Matches(
                 R"((.|\n)*Feed binance stopped: .* [1-9][0-9]* duplicates dropped, .* [1-9][0-9]* rotations(.|\n)*)"));
}

TEST_CASE("live: Bybit subscriptions go out 10 args at a time and a refused symbol is reported",
          "[integration][feed]") {
  PathRun run("bybit-subscribe", "bybit");
  // 12 listed symbols plus one the sim does not list (WIF): three requests, one refusal.
  const std::vector<std::string> coins = {"BTC",  "ETH",  "SOL", "BNB", "XRP", "DOGE", "ADA",
                                          "AVAX", "LINK", "DOT", "POL", "UNI", "WIF"};
  std::string path = "ts_ms,symbol,price\n", coin_list;
  for (const auto& c : coins) {
    if (c != "WIF" && c != "BTC" && c != "ETH") path += "0," + c + "USDT,10\n";  // BTC, ETH: below
    coin_list += (coin_list.empty() ? "\"" : ", \"") + c + "\"";
  }
  // Then the LONG/SHORT path of the other tests: its trades prove that data flows.
  path += std::string(price_path).substr(std::string(price_path).find('\n') + 1);
  run.daemon.write("path.csv", path);
  run.daemon.set("trading", "coins", "[" + coin_list + "]");
  SimProcess sim(run.sim_args({}), run.daemon.dir(), "sim");
  run.point_at(sim);
  CHECK(run.trade_through(sim) == 0);
  run.check_journal();
  const std::string log = run.log();
  CHECK(log.find("subscribed to 12 coins") != std::string::npos);
  CHECK(log.find("bybit refused the subscription to publicTrade.WIFUSDT: Invalid symbol :[publicTrade.WIFUSDT]; "
                 "WIFUSDT gets no prices") != std::string::npos);
  CHECK(log.find("args size") == std::string::npos);  // no request had more than 10
}

TEST_CASE("live: a certificate from the wrong CA fails the TLS handshake, tradingd retries and never trades",
          "[integration][feed]") {
  PathRun run("wrong-ca", "bybit");
  SimProcess sim(run.sim_args({}), run.daemon.dir(), "sim");
  // A second sim's certificate is a valid CA file that did not sign the first one's.
  SimProcess other(
      {"--csv", (run.daemon.dir() / "path.csv").string(), "--write-ca", (run.daemon.dir() / "other-ca.pem").string()},
      run.daemon.dir(), "other-sim");
  run.daemon.set("tls", "ca_file", "\"other-ca.pem\"");
  run.point_at(sim);
  TestProcess daemon = run.start();
  // Three refused handshakes and a health line reporting them (the first
  // comes one health interval after start-up, which may be after the third).
  REQUIRE(wait_until([&] {
    const std::string log = run.log();
    return count_of(log, "TLS handshake: certificate verify failed") >= 3 &&
           log.find("Feed: DISCONNECTED") != std::string::npos;
  }));
  CHECK(stop(daemon) == 0);
  const std::string log = run.log();
  CHECK(log.find("Disconnected from bybit: TLS handshake: certificate verify failed") != std::string::npos);
  CHECK(log.find("; retrying in ") != std::string::npos);
  CHECK(log.find("Connected to bybit") == std::string::npos);
  CHECK(log.find("Feed: DISCONNECTED") != std::string::npos);
  CHECK(run.daemon.query("SELECT count(*) FROM trades") == "0");
  // Nothing fired; the shutdown policy (cancel) ended the armed conditions.
  CHECK(run.daemon.query("SELECT group_concat(status) FROM conditions") == "CANCELLED,CANCELLED");
  CHECK(sim.output().find("subscribed") == std::string::npos);
}

TEST_CASE("live: an unreadable [tls] ca_file stops start-up with exit 2 naming it", "[integration][feed]") {
  PathRun run("bad-ca-file", "bybit");
  run.daemon.set("exchange.bybit", "url", "\"wss://127.0.0.1:9/v5/public/spot\"");
  run.daemon.set("tls", "ca_file", "\"missing-ca.pem\"");
  run.daemon.write_config();
  const auto r = run.daemon.run({"--config", (run.daemon.dir() / "settings.toml").string()}, "tradingd");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("missing-ca.pem") != std::string::npos);
}
