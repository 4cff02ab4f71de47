// Property: whatever prices and times arrive at tradingd's doors — feed frames
// (trades, quotes, level-1 deltas), replay rows, conditions from the API or a
// file — and straight at the Sniper, the journal passes design.md §5's
// consistency check afterwards and a restart accepts it (recovery re-checks
// every armed condition and open position). Extreme doubles (subnormals,
// 1e308, the PriceRule's bounds and just past them) and times (the int64
// edges, before 1970, after 9999) are drawn on purpose.

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "test_process.hpp"
#include "tradingd/app/trading_system.hpp"
#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/feed/archive_source.hpp"
#include "tradingd/feed/frame_parser.hpp"
#include "tradingd/feed/symbol_table.hpp"
#include "tradingd/journal/journal_reader.hpp"

using namespace tradingd;
using namespace tradingd::test;

namespace {

constexpr std::int64_t t0 = 1'764'158'400'000;

// Price texts as a wire or a file may carry them.
// clang-format off: a table, one text per cell
const std::vector<std::string> price_texts = {"1e-320",
                                              "4.9e-324",
                                              "1e-13",
                                              "1e-12",
                                              "0.000000000001",
                                              "1.0000000000001e-12",
                                              "0",
                                              "-0",
                                              "-1",
                                              "nan",
                                              "inf",
                                              "1e12",
                                              "1000000000000",
                                              "1000000000000.0001",
                                              "1e13",
                                              "1e308",
                                              "1.7976931348623157e308",
                                              "2e308",
                                              "0.5",
                                              "100",
                                              "101.5",
                                              "99.25",
                                              "42000.5",
                                              "0.00001234",
                                              "1e-6",
                                              "123456789012.5"};
// clang-format on
// Times as a wire or a file may carry them.
const std::vector<std::string> time_texts = {"-9223372036854775808",
                                             "-1",
                                             "0",
                                             "1",
                                             "9223372036854775807",
                                             "253402300799999",
                                             "253402300800000",
                                             std::to_string(t0),
                                             std::to_string(t0 + 1000),
                                             std::to_string(t0 + 86'400'000),
                                             "99999999999999999999"};
// Doubles straight at the Sniper.
const std::vector<double> raw_prices = {std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::denorm_min(),
                                        1e-320,
                                        std::numeric_limits<double>::max(),
                                        1e12,
                                        1e-12,
                                        std::nextafter(1e12, 2e12),
                                        std::nextafter(1e-12, 0.0),
                                        0.0,
                                        -5.0,
                                        100.0,
                                        101.0,
                                        99.0,
                                        1e-9};
const std::vector<std::int64_t> raw_times = {INT64_MIN, -1, 0, INT64_MAX, 253'402'300'800'000, t0, t0 + 500, t0 + 5000};

template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

std::string condition_text(std::mt19937_64& rng, int i) {
  std::uniform_real_distribution<double> u(0, 1);
  const char* coins[] = {"BTC", "ETH"};
  const std::string trigger = u(rng) < 0.6 ? fmt::format("{}", 95.0 + u(rng) * 10) : pick(rng, price_texts);
  const std::string size =
      u(rng) < 0.7 ? "20" : pick(rng, std::vector<std::string>{"1e-310", "0.01", "1e12", "1e300", "5e11"});
  std::string valid = u(rng) < 0.7 ? std::to_string(t0 + 3'600'000) : pick(rng, time_texts);
  if (valid.size() > 0 && valid[0] == '9' && valid.size() > 19) valid = "1e30";
  std::string extra;
  if (u(rng) < 0.3) extra += fmt::format(",\"trailing_stop_pct\":{}", u(rng) < 0.5 ? "0.01" : "1e-320");
  if (u(rng) < 0.3) extra += fmt::format(",\"max_hold_ms\":{}", u(rng) < 0.5 ? "1000" : "9223372036854775807");
  if (u(rng) < 0.2) extra += ",\"oco_group\":\"g\"";
  if (u(rng) < 0.3) extra += fmt::format(",\"stop_loss_pct\":{}", u(rng) < 0.5 ? "0.01" : "4.9e-324");
  return fmt::format(
      R"({{"id":"c{}","coin":"{}","direction":"{}","trigger_type":"{}","trigger_price":{},"position_size_usd":{},)"
      R"("valid_until":{},"created_at":{}{}}})",
      i, coins[i % 2], u(rng) < 0.5 ? "LONG" : "SHORT", u(rng) < 0.5 ? "ABOVE" : "BELOW", trigger, size, valid, t0,
      extra);
}

}  // namespace

TEST_CASE("property: extreme prices and times at every door leave a journal that passes §5 and restarts",
          "[unit][input][property]") {
  std::size_t opened = 0, closed = 0, refused_rows = 0;
  for (std::uint64_t seed = 1; seed <= 120; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    TempDir dir("extreme-" + std::to_string(seed));
    Settings settings;
    settings.trading.coins = {"BTC", "ETH"};
    settings.storage.db_path = dir / "journal.db";
    settings.log.dir = dir / "logs";
    settings.risk.max_positions = 4;
    settings.risk.max_position_per_coin = 2;
    settings.risk.max_exposure_pct = 1.0;
    settings.paper.fill_on = u(rng) < 0.5 ? FillOn::Quote : FillOn::Trade;
    settings.paper.slippage_bps = u(rng) < 0.5 ? 0.0 : 1000.0;
    settings.shutdown.conditions = ShutdownConditions::Keep;
    settings.shutdown.positions = u(rng) < 0.5 ? ShutdownPositions::Keep : ShutdownPositions::Close;
    {
      boost::asio::io_context io;
      ManualClock clock(t0);
      TradingSystem sys(io, settings, clock);
      // The API's and a file's door: conditions as JSON text.
      std::string body = "[";
      for (int i = 0; i < 12; ++i) body += (i ? "," : "") + condition_text(rng, i);
      body += "]";
      try {
        sys.arm_conditions(ConditionParser(sys.coins(), settings.risk).parse_text(body, "property", clock.now_ms()),
                           "property");
      } catch (const ConfigError&) {
        // refused whole (a number beyond a double, say): nothing armed
      }
      const SymbolTable symbols(sys.coins(), "USDT");
      FrameParser bybit(FeedProtocol::Bybit, symbols), binance(FeedProtocol::Binance, symbols);
      Quote book[2];
      std::int64_t now = t0;
      for (int step = 0; step < 400; ++step) {
        now += static_cast<std::int64_t>(u(rng) * 300);
        clock.set(now);
        const double door = u(rng);
        const char* sym = u(rng) < 0.5 ? "BTCUSDT" : "ETHUSDT";
        // Mostly sane prices, so positions open and close; extremes among them.
        const std::string p = u(rng) < 0.75 ? fmt::format("{}", 90.0 + u(rng) * 20) : pick(rng, price_texts);
        const std::string t = u(rng) < 0.8 ? std::to_string(now) : pick(rng, time_texts);
        if (door < 0.35) {  // a Bybit or Binance trade frame
          const bool by = u(rng) < 0.5;
          const std::string frame =
              by ? fmt::format(R"({{"topic":"publicTrade.{}","data":[{{"i":"1","T":{},"p":"{}","s":"{}","seq":1}}]}})",
                               sym, t, p, sym)
                 : fmt::format(R"({{"e":"trade","s":"{}","p":"{}","T":{},"t":{}}})", sym, p, t, step + 1);
          FrameParser& parser = by ? bybit : binance;
          if (parser.parse(frame).kind == FrameKind::Trades)
            for (const auto& tick : parser.ticks()) sys.on_price_tick(tick.coin, tick.price, tick.ts_ms);
        } else if (door < 0.55) {  // a level-1 book message, snapshot or delta
          const std::string frame = fmt::format(
              R"({{"topic":"orderbook.1.{}","type":"{}","data":{{"s":"{}","b":[["{}","{}"]],"a":[["{}","1"]],"u":{}}},"cts":{}}})",
              sym, u(rng) < 0.5 ? "delta" : "snapshot", sym, p, u(rng) < 0.2 ? "0" : "1",
              u(rng) < 0.8 ? fmt::format("{}", 100.0 + u(rng) * 10) : pick(rng, price_texts), step + 1, t);
          if (bybit.parse(frame).kind == FrameKind::Quote) {
            const FeedQuote& q = bybit.quote();
            const Quote next = q.applied_to(book[q.coin]);
            if (!next.crossed()) {
              book[q.coin] = next;
              book[q.coin].ts_ms = now;
              sys.on_quote(q.coin, book[q.coin]);
            }
          }
        } else if (door < 0.75) {  // a replay row
          try {
            const SymbolTable table(sys.coins(), "USDT");
            ArchiveSource src =
                ArchiveSource::from_text(fmt::format("{},{},{}\n", t, sym[0] == 'B' ? "BTC" : "ETH", p), "row.csv",
                                         ArchiveSource::Context{&sys.coins(), &table, std::nullopt});
            ReplayTick row;
            if (src.next_row(row) && row.has_price) sys.on_price_tick(row.coin, row.price, row.ts_ms);
          } catch (const ConfigError&) {
            ++refused_rows;
          }
        } else if (door < 0.95) {  // straight at the Sniper: the last line
          sys.on_price_tick(static_cast<CoinId>(u(rng) < 0.5 ? 0 : 1), pick(rng, raw_prices),
                            u(rng) < 0.7 ? now : pick(rng, raw_times));
          Quote q;
          q.has_bid = q.has_ask = true;
          q.bid = pick(rng, raw_prices);
          q.ask = pick(rng, raw_prices);
          q.ts_ms = u(rng) < 0.7 ? now : pick(rng, raw_times);
          sys.on_quote(static_cast<CoinId>(u(rng) < 0.5 ? 0 : 1), q);
        } else {
          sys.sniper().sweep(u(rng) < 0.8 ? now : pick(rng, raw_times));
        }
      }
      opened += sys.sniper().counters().triggered;
      sys.shutdown("property");
    }
    const JournalReader reader(settings.storage.db_path);
    const auto problems = reader.integrity_problems();
    for (const auto& p : problems) UNSCOPED_INFO(p);
    REQUIRE(problems.empty());
    const auto trades = reader.trades_since(0);
    closed += static_cast<std::size_t>(
        std::count_if(trades.begin(), trades.end(), [](const TradeRow& r) { return r.status == "CLOSED"; }));
    // A restart accepts it: every recovered condition and position passes validation.
    boost::asio::io_context io;
    ManualClock clock(t0 + 3'000'000);
    REQUIRE_NOTHROW(TradingSystem(io, settings, clock));
  }
  // The draws did trade: the property is about a journal with rows in it.
  CHECK(opened > 100);
  CHECK(closed > 20);
  CHECK(refused_rows > 100);
}
