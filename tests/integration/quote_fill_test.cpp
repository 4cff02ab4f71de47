// Quote fills over wss (design.md §4.4): exchange-sim streams Bybit orderbook.1 /
// Binance bookTicker around its trades, tradingd buys at the ask and sells at
// the bid with slippage, trails, times out and cancels an OCO sibling; every
// journal row is checked to 1e-9 against the prices the sim put on the wire.

#include <fmt/format.h>

#include "live_run.hpp"

using namespace tradingd::test;

namespace {

constexpr double spread_bps = 10.0;  // exchange-sim's default
constexpr double slippage_bps = 2.0;
constexpr double half = spread_bps / 2 / 10'000;
constexpr double slip = slippage_bps / 10'000;

// A price as tradingd reads it off the wire: Bybit sends the shortest decimal
// (the same double back), Binance pads to 8 decimals.
double wire(const std::string& exchange, double v) {
  return std::stod(exchange == "bybit" ? fmt::format("{}", v) : fmt::format("{:.8f}", v));
}
double bid(const std::string& exchange, double trade) {
  return wire(exchange, trade * (1.0 - half));
}
double ask(const std::string& exchange, double trade) {
  return wire(exchange, trade * (1.0 + half));
}

// BTC: the LONG opens at 101 (its OCO sibling below 95 is cancelled), the
// best reaches 104 (trail 1 %: 102.96) and 102.9 closes it. ETH: the SHORT
// opens at 1999 and stays there until its 300 ms time limit closes it.
std::string quote_path() {
  std::string csv = "ts_ms,symbol,price\n0,BTCUSDT,100\n0,ETHUSDT,2000\n0,BTCUSDT,101\n0,ETHUSDT,1999\n";
  for (const double p : {102.0, 104.0, 103.5, 102.9, 102.5, 102.0})
    csv += fmt::format("0,BTCUSDT,{}\n0,ETHUSDT,1999\n", p);
  for (int i = 0; i < 16; ++i) csv += "0,ETHUSDT,1999\n";
  return csv;
}
constexpr int path_messages = 4 + 12 + 16;

std::string with(std::string condition, const std::string& extra) {
  condition.pop_back();  // the closing brace
  return condition + "," + extra + "}";
}

struct QuoteRun : LiveRun {
  QuoteRun(const std::string& tag, const std::string& exchange_name, std::int64_t max_quote_age_ms = 2000)
      : LiveRun(tag, exchange_name) {
    daemon.set("paper", "fill_on", "\"quote\"");
    daemon.set("paper", "slippage_bps", std::to_string(slippage_bps));
    daemon.set("paper", "max_quote_age_ms", std::to_string(max_quote_age_ms));
    write_path(quote_path());
    write_conditions({with(condition("long-trail", "BTC", "LONG", "ABOVE", 101, 50),
                           R"("stop_loss_pct":0,"take_profit_pct":0,"trailing_stop_pct":0.01,"oco_group":"btc-pair")"),
                      with(condition("short-break", "BTC", "SHORT", "BELOW", 95, 50), R"("oco_group":"btc-pair")"),
                      with(condition("eth-short", "ETH", "SHORT", "BELOW", 1999.5, 40),
                           R"("stop_loss_pct":0.05,"take_profit_pct":0.05,"max_hold_ms":300)")});
  }

  [[nodiscard]] double num(const std::string& sql) const { return daemon.query_double(sql); }

  // The LONG: in at the ask of 101, out at the exit's bid (or `exit_basis` "trade"), trailing.
  void check_long(const std::string& exit_basis = "bid") const {
    const std::string w = " FROM trades WHERE id = 'T-long-trail'";
    const double e = ask(exchange, 101) * (1 + slip);
    const double x = (exit_basis == "bid" ? bid(exchange, 102.9) : 102.9) * (1 - slip);
    CHECK(daemon.query("SELECT entry_fill || ' ' || exit_fill || ' ' || exit_reason" + w) ==
          "ask " + exit_basis + " TRAILING_STOP");
    CHECK(num("SELECT entry_mark" + w) == 101.0);
    CHECK(num("SELECT exit_mark" + w) == 102.9);
    CHECK(num("SELECT entry_price" + w) == Approx(e).margin(1e-9));
    CHECK(num("SELECT exit_price" + w) == Approx(x).margin(1e-9));
    CHECK(num("SELECT best_price" + w) == 104.0);
    CHECK(daemon.query("SELECT ifnull(stop_loss_price, 'none') || ' ' || ifnull(take_profit_price, 'none')" + w) ==
          "none none");
    const double qty = 50 / e;
    CHECK(num("SELECT qty" + w) == Approx(qty).margin(1e-12));
    CHECK(num("SELECT pnl_usd" + w) == Approx(qty * (x - e) - 50 * 0.001 - qty * x * 0.001).margin(1e-9));
    CHECK(daemon.query("SELECT status || ' ' || status_reason FROM conditions WHERE id = 'short-break'") ==
          "CANCELLED oco:long-trail");
  }

  // The SHORT: in at the bid of 1999, out by its time limit at the ask of 1999.
  void check_short(const std::string& entry_basis = "bid", const std::string& exit_basis = "ask") const {
    const std::string w = " FROM trades WHERE id = 'T-eth-short'";
    const double e = (entry_basis == "bid" ? bid(exchange, 1999) : 1999.0) * (1 - slip);
    const double x = (exit_basis == "ask" ? ask(exchange, 1999) : 1999.0) * (1 + slip);
    CHECK(daemon.query("SELECT entry_fill || ' ' || exit_fill || ' ' || exit_reason" + w) ==
          entry_basis + " " + exit_basis + " TIME_LIMIT");
    CHECK(num("SELECT entry_price" + w) == Approx(e).margin(1e-9));
    CHECK(num("SELECT exit_price" + w) == Approx(x).margin(1e-9));
    CHECK(num("SELECT exit_ms - entry_ms" + w) >= 300);
    CHECK(num("SELECT max_hold_ms" + w) == 300);
    const double qty = 40 / e;
    CHECK(num("SELECT pnl_usd" + w) == Approx(qty * (e - x) - 40 * 0.001 - qty * x * 0.001).margin(1e-9));
  }
};

}  // namespace

TEST_CASE(
    "quotes over wss: a LONG enters at the ask and trails out at the bid, a SHORT times out, an OCO sibling "
    "is cancelled",
    "[integration][feed][quotes]") {
  // "bybit-deltas": a snapshot, then level-1 deltas as recorded Bybit streams
  // hold them (protocols.md): [] for an unchanged side, a moved level removed
  // with size "0" and the new one given. The book tradingd builds from them
  // must give the same fills as snapshots.
  for (const std::string variant : {"bybit", "binance", "bybit-deltas"}) {
    SECTION(variant) {
      const std::string exchange = variant == "binance" ? "binance" : "bybit";
      QuoteRun run("quotes-" + variant, exchange);
      SimProcess sim(run.sim_args(variant == "bybit-deltas" ? std::vector<std::string>{"--bybit-deltas"}
                                                            : std::vector<std::string>{}),
                     run.daemon.dir(), "sim");
      run.point_at(sim);
      CHECK(run.trade_through(sim, 2, true) == 0);
      run.check_long();
      run.check_short();
      CHECK(run.daemon.invariant_violations(1000.0).empty());
      const std::string log = run.log();
      CHECK_THAT(log, Catch::Contains("subscribed to 2 coins"));
      CHECK_THAT(log,
                 Catch::Contains("Feed " + exchange + " stopped: " + std::to_string(path_messages) + " ticks in " +
                                 std::to_string(2 * path_messages + (exchange == "bybit")) + " frames, 0 bad frames"));
      CHECK_THAT(log, Catch::Contains("; " + std::to_string(path_messages) +
                                      " quotes (0 old, 0 from the future, 0 duplicates dropped)"));
      CHECK_THAT(log, Catch::Contains("Opened T-long-trail LONG BTC at"));
      CHECK_THAT(log, Catch::Contains("(ask, trade 101; $50, trail 1%)"));
    }
  }
}

TEST_CASE("quotes over wss: crossed, zero and non-numeric quotes are bad frames, counted by reason, fills unchanged",
          "[integration][feed][quotes]") {
  for (const std::string variant : {"bybit", "binance", "bybit-deltas"}) {
    SECTION(variant) {
      const std::string exchange = variant == "binance" ? "binance" : "bybit";
      QuoteRun run("bad-quotes-" + variant, exchange);
      std::vector<std::string> args = {"--crossed-quote-every", "2", "--zero-quote-every", "3",
                                       "--bad-quote-every",     "5"};
      if (variant == "bybit-deltas") args.push_back("--bybit-deltas");
      SimProcess sim(run.sim_args(args), run.daemon.dir(), "sim");
      run.point_at(sim);
      CHECK(run.trade_through(sim, 2, true) == 0);
      run.check_long();
      run.check_short();
      const int crossed = path_messages / 2, bad_price = path_messages / 3 + path_messages / 5;
      const std::string log = run.log();
      CHECK_THAT(log, Catch::Contains(
                          fmt::format("{} bad frames (invalid_json 0, missing_field 0, bad_price {}, unknown_symbol 0, "
                                      "crossed_quote {}, bad_time 0)",
                                      crossed + bad_price, bad_price, crossed)));
      CHECK_THAT(log, Catch::Contains(exchange + ": dropped a bad frame (crossed_quote)"));
      CHECK(log.find("Disconnected") == std::string::npos);
    }
  }
}

TEST_CASE("quotes over wss: once quotes stop, fills fall back to the trade price and say so",
          "[integration][feed][quotes]") {
  for (const std::string exchange : {"bybit", "binance"}) {
    SECTION(exchange) {
      // 20 messages a second; quotes stop after the 5th: the entries (3rd and
      // 4th messages) have fresh quotes; by the ETH time limit (the 10th at
      // the earliest) and the BTC exit (the 12th) the last one is 250 ms old
      // or more, older than max_quote_age_ms.
      QuoteRun run("stale-quotes-" + exchange, exchange, 150);
      SimProcess sim(run.sim_args({"--rate", "20", "--quotes-stop-after", "5"}), run.daemon.dir(), "sim");
      run.point_at(sim);
      CHECK(run.trade_through(sim, 2, true) == 0);
      run.check_long("trade");
      run.check_short("bid", "trade");
    }
  }
}

TEST_CASE(
    "quotes for 20 coins: Bybit subscribes in requests of at most 10 topics, Binance names both streams of "
    "each coin in one URL",
    "[integration][feed][quotes]") {
  const std::vector<std::string> coins = {"BTC", "ETH", "SOL",  "BNB", "XRP", "DOGE", "ADA",  "AVAX",  "LINK", "DOT",
                                          "POL", "UNI", "ATOM", "LTC", "BCH", "PEPE", "SHIB", "FLOKI", "WIF",  "BONK"};
  for (const std::string exchange : {"bybit", "binance"}) {
    SECTION(exchange) {
      LiveRun run("quotes-20-" + exchange, exchange);
      std::string list, path = "ts_ms,symbol,price\n";
      for (const auto& c : coins) {
        list += (list.empty() ? "\"" : ", \"") + c + "\"";
        path += "0," + c + "USDT,10\n";
      }
      run.daemon.set("trading", "coins", "[" + list + "]");
      run.daemon.set("paper", "fill_on", "\"quote\"");
      run.write_path(path);
      run.write_conditions({condition("bonk", "BONK", "LONG", "ABOVE", 9, 20)});
      // exchange-sim refuses a Bybit request of more than 10 args whole ("args size >10").
      SimProcess sim(run.sim_args({}), run.daemon.dir(), "sim");
      run.point_at(sim);
      TestProcess daemon = run.start();
      REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM trades") == 1; }));
      wait_path_sent(sim);
      CHECK(stop(daemon) == 0);
      const std::string log = run.log();
      INFO(log);
      CHECK_THAT(log, Catch::Contains("subscribed to 20 coins"));
      CHECK(log.find("refused the subscription") == std::string::npos);
      CHECK_THAT(log, Catch::Contains("Feed " + exchange + " stopped: 20 ticks"));
      CHECK_THAT(log, Catch::Contains("; 20 quotes (0 old, 0 from the future, 0 duplicates dropped)"));
      if (exchange == "binance")
        CHECK_THAT(log, Catch::Contains("/stream?streams=btcusdt@trade/btcusdt@bookTicker/ethusdt@trade/"
                                        "ethusdt@bookTicker/"));
      CHECK(run.daemon.query("SELECT entry_fill FROM trades") == "ask");
    }
  }
}
