// Replay sources (design.md §10): formats told from name and first line, each
// format's published layout read to the same rows, times by magnitude,
// symbols to coins, the merge order, and every damaged input an error naming
// file and line.
//
// The rows below have the exact shape of the published files:
// - Binance (data.binance.vision, github.com/binance/binance-public-data):
//   spot trades/aggTrades without a header, True/False, prices padded to 8
//   decimals, times in µs from 2025-01-01; futures files with a header and
//   true/false; bookTicker with its header.
// - Bybit: public.bybit.com/trading (derivatives: seconds with 4 decimals, the
//   symbol a column, a UUID trdMatchID) and public.bybit.com/spot
//   (`id,timestamp,price,volume,side,rpi`, ms).
// - Tardis (docs.tardis.dev, "CSV datasets"): µs; quotes' sides may be empty.

#include <catch2/catch.hpp>
#include <functional>

#include "archive_writer.hpp"
#include "config_error_text.hpp"
#include "test_process.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/domain/epoch_time.hpp"
#include "tradingd/feed/archive_source.hpp"
#include "tradingd/feed/replay_merge.hpp"
#include "tradingd/feed/replay_paths.hpp"

using namespace tradingd;
using tradingd::test::config_error;
using tradingd::test::TempDir;

namespace {

struct Fixture {
  CoinTable coins{std::vector<std::string>{"BTC", "ETH"}};
  SymbolTable symbols{coins, "USDT"};
  ArchiveSource::Context context(std::optional<ArchiveFormat> forced = std::nullopt) const {
    return {&coins, &symbols, forced};
  }
  std::vector<ReplayTick> rows(const std::string& name, const std::string& text,
                               std::optional<ArchiveFormat> forced = std::nullopt) const {
    auto src = ArchiveSource::from_text(text, name, context(forced));
    std::vector<ReplayTick> out;
    for (ReplayTick t; src.next_row(t);) out.push_back(t);
    return out;
  }
  ArchiveFormat format(const std::string& name, const std::string& text) const {
    return ArchiveSource::from_text(text, name, context()).format();
  }
};

}  // namespace

TEST_CASE("EpochTime: each value's unit by its magnitude, floored to the microsecond", "[unit][replay][archive]") {
  CHECK(EpochTime::parse_us("1735689600") == 1'735'689'600'000'000);           // seconds
  CHECK(EpochTime::parse_us("1735689600.0647") == 1'735'689'600'064'700);      // Bybit derivatives
  CHECK(EpochTime::parse_us("1735689600.06478912") == 1'735'689'600'064'789);  // finer than µs: floored
  CHECK(EpochTime::parse_us("1735689600123") == 1'735'689'600'123'000);        // ms
  CHECK(EpochTime::parse_us("1735689600123456") == 1'735'689'600'123'456);     // µs
  CHECK(EpochTime::parse_us("1735689600123.5") == 1'735'689'600'123'500);      // a fraction of a ms
  // The boundaries: below 10^11 seconds, below 10^14 ms, from there µs.
  CHECK(EpochTime::parse_us("99999999999") == 99'999'999'999'000'000);
  CHECK(EpochTime::parse_us("100000000000") == 100'000'000'000'000);
  CHECK(EpochTime::parse_us("99999999999999") == 99'999'999'999'999'000);
  CHECK(EpochTime::parse_us("100000000000000") == 100'000'000'000'000);
  CHECK(EpochTime::parse_us("0") == 0);
  for (const char* bad :
       {"", "-5", "1e9", "12a", "1.", ".5", "1735689600.12x", " 1", "999999999999999999", "1735689600123456789", "+5"})
    CHECK_FALSE(EpochTime::parse_us(bad));
  CHECK(EpochTime::to_ms(1'735'689'600'123'999) == 1'735'689'600'123);
}

TEST_CASE("archive formats: a file's name gives its format and symbol as each exchange names its files",
          "[unit][replay][archive]") {
  using F = ArchiveFormat;
  const auto hint = [](const char* n) { return ArchiveFormats::from_file_name(n); };
  CHECK(hint("BTCUSDT-trades-2025-01-01.zip").format == F::BinanceTrades);
  CHECK(hint("BTCUSDT-trades-2025-01-01.zip").symbol == "BTCUSDT");
  CHECK(hint("BTCUSDT-trades-2024-12.zip").format == F::BinanceTrades);  // monthly
  CHECK(hint("ETHUSDT-aggTrades-2024-03-01.csv").format == F::BinanceAggTrades);
  CHECK(hint("1000PEPEUSDT-bookTicker-2024-03-01.zip").symbol == "1000PEPEUSDT");
  CHECK(hint("1000PEPEUSDT-bookTicker-2024-03-01.zip").format == F::BinanceBookTicker);
  CHECK(hint("BTCUSDT2024-03-01.csv.gz").format == F::BybitTrades);  // derivatives
  CHECK(hint("BTCUSDT2024-03-01.csv.gz").symbol == "BTCUSDT");
  CHECK(hint("BTCUSDT_2025-05-19.csv.gz").format == F::BybitTrades);  // spot
  CHECK(hint("BTCUSDT_2025-05-19.csv.gz").symbol == "BTCUSDT");
  CHECK(hint("binance-futures_trades_2020-03-01_BTCUSDT.csv.gz").format == F::TardisTrades);
  CHECK(hint("binance-futures_trades_2020-03-01_BTCUSDT.csv.gz").symbol == "BTCUSDT");
  CHECK(hint("bybit_quotes_2024-01-01_ETHUSDT.csv.gz").format == F::TardisQuotes);
  CHECK_FALSE(hint("ticks.csv").format);
  CHECK_FALSE(hint("BTCUSDT-klines-2024-03-01.zip").format);
  CHECK_FALSE(hint("btcusdt-trades-2025-01-01.zip").format);  // Binance's symbols are upper case
  for (const ArchiveFormat f : ArchiveFormats::all) CHECK(ArchiveFormats::parse(ArchiveFormats::name(f)) == f);
  CHECK_FALSE(ArchiveFormats::parse("binance"));
}

TEST_CASE("archive formats: every published layout reads to the same rows", "[unit][replay][archive]") {
  const Fixture fx;
  SECTION("binance-trades: spot without a header, True/False, padded prices, ms before 2025 and µs after") {
    const auto r = fx.rows("BTCUSDT-trades-2024-12-31.csv",
                           "3356498880,42283.58000000,0.00121000,51.16313180,1704067199935,False,True\n"
                           "3356498881,42283.59000000,0.00200000,84.56718000,1704067199999,True,True\n");
    REQUIRE(r.size() == 2);
    CHECK(r[0].ts_us == 1'704'067'199'935'000);
    CHECK(r[0].ts_ms == 1'704'067'199'935);
    CHECK(r[0].price == 42283.58);
    CHECK(r[0].has_price);
    CHECK_FALSE(r[0].has_quote);
    CHECK(fx.coins.name(r[0].coin) == "BTC");
    const auto us = fx.rows("ETHUSDT-trades-2025-01-01.csv",
                            "1834957271,3332.12000000,0.01670000,55.64640400,1735689600025669,True,True\n");
    REQUIRE(us.size() == 1);
    CHECK(us[0].ts_us == 1'735'689'600'025'669);
    CHECK(us[0].ts_ms == 1'735'689'600'025);
    CHECK(fx.coins.name(us[0].coin) == "ETH");
  }
  SECTION("binance-trades: futures with its header and true/false") {
    const std::string text =
        "id,price,qty,quote_qty,time,is_buyer_maker\n5744540017,93530.0,0.003,280.590,1735689600087,true\n";
    CHECK(fx.format("BTCUSDT-trades-2025-01-01.csv", text) == ArchiveFormat::BinanceTrades);
    const auto r = fx.rows("BTCUSDT-trades-2025-01-01.csv", text);
    REQUIRE(r.size() == 1);
    CHECK(r[0].ts_us == 1'735'689'600'087'000);
    CHECK(r[0].price == 93530.0);
  }
  SECTION("binance-aggtrades: spot without a header, futures with one") {
    auto r = fx.rows("BTCUSDT-aggTrades-2025-01-01.csv",
                     "3375390125,93576.00000000,0.00008000,4357458701,4357458701,1735689600025669,True,True\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].ts_us == 1'735'689'600'025'669);
    CHECK(r[0].price == 93576.0);
    r = fx.rows("BTCUSDT-aggTrades-2025-01-01.csv",
                "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"
                "2481498478,93530.0,0.003,5744540017,5744540018,1735689600087,true\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].ts_ms == 1'735'689'600'087);
  }
  SECTION("binance-bookticker: quotes, by transaction_time") {
    const auto r =
        fx.rows("BTCUSDT-bookTicker-2024-03-01.csv",
                "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n"
                "4180436283493,61130.70,3.658,61130.80,6.941,1709251200001,1709251200006\n");
    REQUIRE(r.size() == 1);
    CHECK_FALSE(r[0].has_price);
    CHECK(r[0].has_quote);
    CHECK(r[0].quote.bid == 61130.70);
    CHECK(r[0].quote.ask == 61130.80);
    CHECK(r[0].quote.has_bid);
    CHECK(r[0].quote.has_ask);
    CHECK(r[0].ts_ms == 1'709'251'200'001);
    CHECK(r[0].quote.ts_ms == 1'709'251'200'001);
  }
  SECTION("bybit-trades: derivatives in seconds with a fraction, the symbol a column") {
    const auto r = fx.rows(
        "BTCUSDT2025-01-01.csv.gz",
        "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional,RPI\n"
        "1735689600.4186,BTCUSDT,Sell,0.001,93526.60,ZeroMinusTick,5d0d6d2e-0c59-5b8b-a1e5-4c1b6d7e8f90,"
        "9.35266e+09,0.001,93.5266,0\n"
        "1735689600.4186,ETHUSDT,Buy,0.01,3332.50,PlusTick,7f3a1c2b-91aa-5c1e-8d20-0b1c2d3e4f50,3.3325e+09,0.01,"
        "33.325,0\n");
    REQUIRE(r.size() == 2);
    CHECK(r[0].ts_us == 1'735'689'600'418'600);
    CHECK(fx.coins.name(r[0].coin) == "BTC");
    CHECK(fx.coins.name(r[1].coin) == "ETH");
    CHECK(r[1].price == 3332.5);
  }
  SECTION("bybit-trades: spot in ms, the symbol from the file's name") {
    const auto r = fx.rows("BTCUSDT_2025-05-19.csv.gz",
                           "id,timestamp,price,volume,side,rpi\n1,1747612800074,106453.8,0.003718,sell,0\n"
                           "2,1747612800150,106456.9,0.000500,buy,0\n");
    REQUIRE(r.size() == 2);
    CHECK(r[1].ts_ms == 1'747'612'800'150);
    CHECK(r[1].price == 106456.9);
    CHECK(fx.coins.name(r[1].coin) == "BTC");
  }
  SECTION("tardis-trades: the arrival time local_timestamp; the exchange's may go backwards") {
    const auto r = fx.rows("binance_trades_2025-01-01_BTCUSDT.csv.gz",
                           "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
                           "binance,BTCUSDT,1735689600025669,1735689600027102,4357458701,sell,93576,0.00008\n"
                           "binance,BTCUSDT,1735689600025001,1735689600027500,4357458702,buy,93576.01,0.1\n");
    REQUIRE(r.size() == 2);
    CHECK(r[0].ts_us == 1'735'689'600'027'102);
    CHECK(r[1].ts_us == 1'735'689'600'027'500);
  }
  SECTION("tardis-quotes: a side may be empty") {
    const auto r = fx.rows("binance_quotes_2025-01-01_BTCUSDT.csv.gz",
                           "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
                           "binance,BTCUSDT,1735689600005000,1735689600006000,0.845,93530,93529.9,7.528\n"
                           "binance,BTCUSDT,1735689600007000,1735689600008000,0.845,93530,,\n");
    REQUIRE(r.size() == 2);
    CHECK(r[0].quote.bid == 93529.9);
    CHECK(r[0].quote.ask == 93530.0);
    CHECK(r[1].quote.has_ask);
    CHECK_FALSE(r[1].quote.has_bid);
    CHECK_FALSE(r[1].has_price);
  }
  SECTION("tradingd: its own rows, 3 or 5 columns") {
    const auto r = fx.rows("t.csv", "ts_ms,coin,price,bid,ask\n1000,BTC,100,99,101\n1001,ETH,,20,\n");
    REQUIRE(r.size() == 2);
    CHECK(r[0].ts_us == 1'000'000);
    CHECK(r[1].has_quote);
    CHECK_FALSE(r[1].has_price);
  }
  SECTION("quoted fields, CRLF line ends and blanks around fields") {
    const auto r =
        fx.rows("binance_trades_2025-01-01_BTCUSDT.csv",
                "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\r\n"
                "\"binance\",\"BTCUSDT\", 1735689600025669 ,1735689600027102,\"a,b\",sell,93576,0.00008\r\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].price == 93576.0);
  }
}

TEST_CASE("archive formats: symbols map to coins by the configured quote, others are skipped and counted",
          "[unit][replay][archive]") {
  const Fixture fx;
  auto src = ArchiveSource::from_text(
      "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
      "binance,XRPUSDT,1,1735689600000001,1,buy,2.1,5\n"
      "binance,btcusdt,1,1735689600000002,2,buy,93000,1\n"
      "binance,BTCUSDC,1,1735689600000003,3,buy,93000,1\n"
      "binance,XRPUSDT,1,1735689600000004,4,buy,2.1,5\n"
      "binance,ETHUSDT,1,1735689600000005,5,buy,3300,1\n",
      "binance_trades_2025-01-01_ALL.csv", fx.context());
  std::vector<std::string> coins;
  for (ReplayTick t; src.next_row(t);) coins.push_back(fx.coins.name(t.coin));
  CHECK(coins == std::vector<std::string>{"BTC", "ETH"});
  REQUIRE(src.skipped().size() == 2);
  CHECK(src.skipped()[0] == std::pair<std::string, std::uint64_t>{"XRPUSDT", 2});
  CHECK(src.skipped()[1] == std::pair<std::string, std::uint64_t>{"BTCUSDC", 1});
  // A file whose name gives a symbol that is not configured is skipped whole, unread.
  auto doge =
      ArchiveSource::from_text("1,0.3,1,0.3,1735689600000,True,True\n", "DOGEUSDT-trades-2025-01-01.csv", fx.context());
  CHECK(doge.skipped_whole());
  CHECK(doge.file_symbol() == "DOGEUSDT");
  ReplayTick t;
  CHECK(doge.next(t) == ArchiveSource::Read::End);
}

TEST_CASE("archive formats: a file whose format cannot be told, or fits two, asks for --format",
          "[unit][replay][archive]") {
  const Fixture fx;
  CHECK_THAT(config_error([&] { (void)fx.rows("x.csv", "a,b,c\n1,2,3\n"); }),
             Catch::Contains("x.csv:1: cannot tell the format") && Catch::Contains("give --format NAME"));
  CHECK_THAT(config_error([&] { (void)fx.rows("x.csv", "1,2,3,4\n"); }), Catch::Contains("x.csv:1: cannot tell"));
  // The name says one format, the first line is a header of another.
  CHECK_THAT(config_error([&] {
               (void)fx.rows("BTCUSDT-trades-2025-01-01.csv",
                             "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n");
             }),
             Catch::Contains("its name says binance-trades but its first line") && Catch::Contains("tardis-trades"));
  // Binance's rows carry no symbol: a name that gives none cannot be replayed.
  CHECK_THAT(config_error([&] { (void)fx.rows("trades.csv", "1,93576.0,0.1,9357.6,1735689600025,True,True\n"); }),
             Catch::Contains("trades.csv:1: cannot tell the symbol"));
  // --format reads any name; a format with a header needs it.
  CHECK(fx.rows("BTCUSDT-bookTicker-2024-03-01.csv", "1,61130.7,3.6,61130.8,6.9,1709251200001,1709251200006\n",
                ArchiveFormat::BinanceBookTicker)
            .size() == 1);
  CHECK_THAT(
      config_error([&] { (void)fx.rows("q.csv", "binance,BTCUSDT,1,2,3,4,5,6\n", ArchiveFormat::TardisQuotes); }),
      Catch::Contains("q.csv:1: tardis-quotes files start with a header"));
  CHECK_THAT(config_error([&] { (void)fx.rows("empty.csv", ""); }), Catch::Contains("empty.csv: no rows"));
}

TEST_CASE("archive formats: a malformed row is an error naming file, line and column", "[unit][replay][archive]") {
  const Fixture fx;
  const std::string spot = "BTCUSDT-trades-2025-01-01.csv";
  const auto err = [&](const std::string& name, const std::string& text) {
    return config_error([&] { (void)fx.rows(name, text); });
  };
  CHECK_THAT(err(spot, "1,93576.0,0.1,9357.6,1735689600025,True,True\n2,93576.0,0.1,9357.6,1735689600024,True,True\n"),
             Catch::Contains(spot + ":2: time goes backwards"));
  // Units told per value: 2025's µs after 2024's ms is later, not backwards.
  CHECK(fx.rows(spot, "1,9.0,0.1,0.9,1735689599999,True,True\n2,9.0,0.1,0.9,1735689600000001,True,True\n").size() == 2);
  CHECK_THAT(err(spot, "1,93576.0,0.1,9357.6,1735689600025,True,True\n2,nan,0.1,1,1735689600026,True,True\n"),
             Catch::Contains(spot + ":2: price: 'nan' is not a real price"));
  CHECK_THAT(err(spot, "1,93576.0,-0.1,9357.6,1735689600025,True,True\n"),
             Catch::Contains(spot + ":1: qty: '-0.1' is not a finite quantity"));
  CHECK_THAT(err(spot, "1,93576.0,0.1,9357.6,1735689600025,True,True\n1,93576.0,0.1,9357.6,1735689600026,yes,True\n"),
             Catch::Contains(spot + ":2: is_buyer_maker: 'yes' is not true or false"));
  CHECK_THAT(err(spot, "1,93576.0,0.1,9357.6,1735689600025,True,True\n1,93576.0,0.1\n"),
             Catch::Contains(spot + ":2: expected 6 to 7 fields of binance-trades, found 3"));
  CHECK_THAT(err(spot, "1,93576.0,0.1,9357.6,17356896000x5,True,True\n"),
             Catch::Contains(spot + ":1: time: '17356896000x5' is not a time"));
  CHECK_THAT(
      err("BTCUSDT2025-01-01.csv",
          "timestamp,symbol,side,size,price\n1735689600.5,BTCUSDT,Buy,1,93000\n1735689600.4,BTCUSDT,Buy,1,93000\n"),
      Catch::Contains("BTCUSDT2025-01-01.csv:3: timestamp goes backwards"));
  CHECK_THAT(err("binance_trades_2025-01-01_BTCUSDT.csv",
                 "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\nbinance,BTCUSDT,x,1735689600027102,"
                 "1,sell,1,1\n"),
             Catch::Contains(":2: timestamp: 'x' is not a time"));
}

TEST_CASE("archive containers: zip and gzip stream like plain text, damage is an error naming the file",
          "[unit][replay][archive]") {
  const Fixture fx;
  TempDir dir("archive-containers");
  std::string text;
  for (int i = 0; i < 50'000; ++i)
    text += std::to_string(4'000'000'000LL + i) + ",93576." + std::to_string(i % 100) +
            "000000,0.00008000,7.48608000," + std::to_string(1'735'689'600'000'000LL + i * 1000) + ",True,True\n";
  const auto count = [&](const std::filesystem::path& p) {
    auto src = ArchiveSource::open(p, fx.context());
    std::size_t n = 0;
    for (ReplayTick t; src.next_row(t);) ++n;
    return n;
  };
  const auto zip = dir / "BTCUSDT-trades-2025-01-01.zip";
  test::write_zip(zip, text);
  CHECK(count(zip) == 50'000);
  const auto gz = dir / "BTCUSDT-trades-2025-01-01.csv.gz";
  test::write_gz(gz, text, 3);  // three gzip members, one file
  CHECK(count(gz) == 50'000);
  test::write_file(dir / "BTCUSDT-trades-2025-01-01.csv", text);
  CHECK(count(dir / "BTCUSDT-trades-2025-01-01.csv") == 50'000);

  const std::string bytes = test::read_file(zip);
  // A cut download loses the central directory at the end.
  for (const std::size_t keep : {bytes.size() / 2, bytes.size() - 10}) {
    const auto cut = dir / "cut" / "BTCUSDT-trades-2025-01-01.zip";
    std::filesystem::create_directories(cut.parent_path());
    test::write_file(cut, bytes.substr(0, keep));
    CHECK_THAT(config_error([&] { (void)count(cut); }),
               Catch::Contains("cut/BTCUSDT-trades-2025-01-01.zip: truncated or damaged zip archive"));
  }
  // A byte flipped inside the compressed member: a data or CRC error, never a shorter replay.
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x5a);
  test::write_file(dir / "flip" / "BTCUSDT-trades-2025-01-01.zip", "");
  test::write_file(dir / "flip" / "BTCUSDT-trades-2025-01-01.zip", flipped);
  CHECK_THAT(config_error([&] { (void)count(dir / "flip" / "BTCUSDT-trades-2025-01-01.zip"); }),
             Catch::Contains("flip/BTCUSDT-trades-2025-01-01.zip: damaged zip"));
  const auto two = dir / "BTCUSDT-trades-2025-01-02.zip";
  test::write_zip(two, {{"BTCUSDT-trades-2025-01-02.csv", text}, {"README.txt", "x"}});
  CHECK_THAT(config_error([&] { (void)count(two); }),
             Catch::Contains("BTCUSDT-trades-2025-01-02.zip: the zip archive holds 2 files"));
  test::write_file(dir / "BTCUSDT-trades-2025-01-03.zip", text);
  CHECK_THAT(config_error([&] { (void)count(dir / "BTCUSDT-trades-2025-01-03.zip"); }),
             Catch::Contains("the name ends in .zip but the file is not a zip archive"));
  const std::string gz_bytes = test::read_file(gz);
  test::write_file(dir / "BTCUSDT-trades-2025-01-04.csv.gz", gz_bytes.substr(0, gz_bytes.size() - 3));
  CHECK_THAT(config_error([&] { (void)count(dir / "BTCUSDT-trades-2025-01-04.csv.gz"); }),
             Catch::Contains("BTCUSDT-trades-2025-01-04.csv.gz:") && Catch::Contains("truncated"));
}

TEST_CASE("replay merge: by time at µs, equal times in source order then row order", "[unit][replay][archive]") {
  const Fixture fx;
  std::vector<ArchiveSource> sources;
  // ms, µs and seconds with a fraction, each in its own format.
  sources.push_back(
      ArchiveSource::from_text("ts_ms,coin,price\n1735689600000,BTC,1\n1735689600001,BTC,2\n"
                               "1735689600001,BTC,3\n",
                               "a.csv", fx.context()));
  sources.push_back(
      ArchiveSource::from_text("1,10.0,1,10,1735689600000500,True,True\n2,11.0,1,11,1735689600001000,"
                               "True,True\n",
                               "ETHUSDT-trades-2025-01-01.csv", fx.context()));
  sources.push_back(
      ArchiveSource::from_text("timestamp,symbol,side,size,price\n1735689600.0000,BTCUSDT,Buy,1,100\n"
                               "1735689600.0010,ETHUSDT,Buy,1,110\n",
                               "BTCUSDT2025-01-01.csv", fx.context()));
  ReplayMerge merge(std::move(sources), fx.coins, "USDT");
  std::vector<double> prices;
  std::vector<std::int64_t> times;
  for (ReplayTick t; merge.next_row(t);) {
    prices.push_back(t.price);
    times.push_back(t.ts_us - 1'735'689'600'000'000);
  }
  CHECK(prices == std::vector<double>{1, 100, 10, 2, 3, 11, 110});
  CHECK(times == std::vector<std::int64_t>{0, 0, 500, 1000, 1000, 1000, 1000});
  CHECK(merge.describe() == "3 files (1 tradingd, 1 binance-trades, 1 bybit-trades)");
}

TEST_CASE("replay merge: a bad row stops the merge after the rows before it", "[unit][replay][archive]") {
  const Fixture fx;
  std::vector<ArchiveSource> sources;
  sources.push_back(ArchiveSource::from_text("ts_ms,coin,price\n1000,BTC,1\n3000,BTC,3\n", "a.csv", fx.context()));
  sources.push_back(ArchiveSource::from_text("ts_ms,coin,price\n2000,ETH,2\n2500,ETH,oops\n", "b.csv", fx.context()));
  ReplayMerge merge(std::move(sources), fx.coins, "USDT");
  ReplayTick t;
  REQUIRE(merge.next_row(t));
  CHECK(t.price == 1);
  REQUIRE(merge.next_row(t));
  CHECK(t.price == 2);
  CHECK_THAT(config_error([&] { (void)merge.next_row(t); }), Catch::Contains("b.csv:3: price: 'oops'"));
}

TEST_CASE("replay paths: files, directories and globs in byte order, other files ignored", "[unit][replay][archive]") {
  TempDir dir("replay-paths");
  for (const char* f : {"b.csv", "a.zip", "B.gz", "a.zip.CHECKSUM", "notes.txt", ".hidden.csv"})
    test::write_file(dir / f, "x");
  std::filesystem::create_directories(dir / "sub.csv");
  test::write_file(dir / "other" / "z.csv", "x");
  const auto names = [](const std::vector<std::filesystem::path>& ps) {
    std::vector<std::string> out;
    for (const auto& p : ps) out.push_back(p.filename().string());
    return out;
  };
  CHECK(names(ReplayPaths::expand({dir.path().string()})) == std::vector<std::string>{"B.gz", "a.zip", "b.csv"});
  CHECK(names(ReplayPaths::expand({(dir / "other" / "z.csv").string(), (dir / "*.csv").string()})) ==
        std::vector<std::string>{"z.csv", "b.csv"});
  CHECK_THAT(config_error([&] { (void)ReplayPaths::expand({(dir / "*.parquet").string()}); }),
             Catch::Contains("*.parquet: no file matches"));
  CHECK_THAT(config_error([&] { (void)ReplayPaths::expand({(dir / "missing.csv").string()}); }),
             Catch::Contains("missing.csv: no such file or directory"));
  CHECK_THAT(config_error([&] {
               (void)ReplayPaths::expand({(dir / "other").string(), (dir / "other/z.csv").string()});
             }),
             Catch::Contains("z.csv: the file is named twice"));
  CHECK_THAT(config_error([&] { (void)ReplayPaths::expand({(dir / "sub.csv").string()}); }),
             Catch::Contains("sub.csv: the directory holds no .csv, .gz or .zip file"));
}

TEST_CASE("tradingd rows: the coin column matches a configured name exactly", "[unit][replay][archive]") {
  const CoinTable coins(std::vector<std::string>{"ABCDEFG", "BTC", "LONGNAMECOIN"});
  const SymbolTable symbols(coins, "USDT");
  const ArchiveSource::Context context{&coins, &symbols, std::nullopt};
  const auto read = [&](const std::string& text) {
    auto src = ArchiveSource::from_text(text, "t.csv", context);
    std::vector<std::string> out;
    for (ReplayTick t; src.next_row(t);) out.push_back(coins.name(t.coin));
    return out;
  };
  CHECK(read("1000,ABCDEFG,1\n1001,BTC,2\n1002,LONGNAMECOIN,3\n") ==
        std::vector<std::string>{"ABCDEFG", "BTC", "LONGNAMECOIN"});
  for (const std::string& bad :
       std::vector<std::string>{"ABCDEFGx", "btc", "BT", "BTCC", "LONGNAMECOI", std::string("BTC\0", 4)})
    CHECK_THAT(config_error([&] { (void)read("1000,BTC,1\n1001," + bad + ",2\n"); }),
               Catch::Contains("t.csv:2: coin:") && Catch::Contains("is not one of the configured [trading] coins"));
}

TEST_CASE("recording chunks: a replay source of their ticks and quotes in receive order", "[unit][replay][archive]") {
  Fixture f;
  // The recorder's own lines (design.md §11): any name, told by the first line alone.
  const std::string chunk =
      "# tradingd recording 1\n"
      "1796475469640,arm,{\"condition\":{\"coin\":\"BTC\",\"id\":\"a,b\"},\"origin\":\"x\"}\n"
      "1796475469722,feed,{\"exchange\":\"bybit\",\"state\":\"live\"}\n"
      "1796475469765,quote,BTC,96951.5,97048.5,1796475469765\n"
      "1796475469765,tick,BTC,97000,1796475469724\n"
      "1796475469770,quote,ETH,,3501.75,1796475469770\n"
      "1796475469771,tick,SOL,180,1796475469771\n"   // not a configured coin: skipped, counted
      "1796475469769,tick,ETH,3500,1796475469769\n"  // the wall clock stepped back: receive order holds
      "1796475469800,sweep\n"
      "1796475469900,gap,12\n"
      "1796475469950,shutdown,{\"reason\":\"SIGTERM\"}\n";
  CHECK(f.format("inputs-0001.csv", chunk) == ArchiveFormat::Recording);
  CHECK(f.format("BTCUSDT-trades-2025-01-01.csv", chunk) == ArchiveFormat::Recording);
  const auto rows = f.rows("inputs-0001.csv", chunk);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].has_quote);
  CHECK_FALSE(rows[0].has_price);
  CHECK(rows[0].quote.bid == 96951.5);
  CHECK(rows[0].quote.ask == 97048.5);
  CHECK(rows[0].ts_ms == 1796475469765);
  CHECK(rows[1].has_price);
  CHECK(rows[1].price == 97000);
  CHECK(rows[1].ts_ms == 1796475469765);  // the receive time, not the exchange's 1796475469724
  CHECK(rows[2].coin == 1);
  CHECK_FALSE(rows[2].quote.has_bid);
  CHECK(rows[2].quote.ask == 3501.75);
  CHECK(rows[3].price == 3500);
  CHECK(rows[3].ts_ms == 1796475469770);
  auto src = ArchiveSource::from_text(chunk, "inputs-0001.csv", f.context());
  for (ReplayTick t; src.next_row(t);) {
  }
  CHECK(src.skipped() == std::vector<std::pair<std::string, std::uint64_t>>{{"SOL", 1}});

  CHECK(config_error([&] {
          (void)f.rows("c.csv", "# tradingd recording 1\n1,tick,BTC,-5,1\n");
        }).find("c.csv:2: price: not a real price") != std::string::npos);
  CHECK(config_error([&] {
          (void)f.rows("c.csv", "# tradingd recording 1\n1,trade,BTC,5,1\n");
        }).find("c.csv:2: unknown input kind 'trade'") != std::string::npos);
  CHECK(config_error([&] {
          (void)f.rows("c.csv", "# tradingd recording 1\n9223372036854775807,tick,BTC,5,1\n");
        }).find("c.csv:2: now_ms: not a time in ms") != std::string::npos);
  CHECK(config_error([&] {
          (void)f.rows("c.csv", "ts_ms,coin,price\n1,BTC,5\n", ArchiveFormat::Recording);
        }).find("--format recording: the first line is not") != std::string::npos);
  // An arm's line may be long (a condition's reasoning): up to 48 KiB.
  const std::string long_arm =
      "# tradingd recording 1\n1,arm,{\"r\":\"" + std::string(20000, 'x') + "\"}\n2,tick,BTC,5,2\n";
  CHECK(f.rows("c.csv", long_arm).size() == 1);
}
