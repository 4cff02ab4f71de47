// FrameParser on the sample frames of protocols.md and every kind of bad frame.

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "tradingd/feed/frame_parser.hpp"
#include "tradingd/feed/symbol_table.hpp"

using namespace tradingd;

namespace {

struct ParserRig {
  CoinTable coins{{"BTC", "ETH", "BNB", "PEPE"}};
  SymbolTable symbols{coins, "USDT"};
  FrameParser bybit{FeedProtocol::Bybit, symbols};
  FrameParser binance{FeedProtocol::Binance, symbols};
};

constexpr CoinId btc = 0, eth = 1, bnb = 2, pepe = 3;

}  // namespace

TEST_CASE("Bybit: a one-trade frame from protocols.md becomes one tick", "[feed]") {
  ParserRig rig;
  const auto r = rig.bybit.parse(
      R"({"topic":"publicTrade.BTCUSDT","ts":1761583474344,"type":"snapshot","data":[{"i":"2290000000923750370","T":1761583474343,"p":"115440.7","v":"0.00903","S":"Buy","seq":89200463112,"s":"BTCUSDT","BT":false,"RPI":false}]})");
  REQUIRE(r.kind == FrameKind::Trades);
  REQUIRE(rig.bybit.ticks().size() == 1);
  CHECK(rig.bybit.ticks()[0].coin == btc);
  CHECK(rig.bybit.ticks()[0].price == 115440.7);
  CHECK(rig.bybit.ticks()[0].ts_ms == 1761583474343);
  CHECK(rig.bybit.ticks()[0].seq == 89200463112);
}

TEST_CASE("Bybit: a multi-trade frame yields every trade, in order", "[feed]") {
  ParserRig rig;
  const auto r =
      rig.bybit.parse(R"({"topic":"publicTrade.ETHUSDT","ts":3,"type":"snapshot","data":[)"
                      R"({"i":"1","T":1,"p":"3000.01","v":"1","S":"Buy","s":"ETHUSDT","seq":1,"BT":false,"RPI":false},)"
                      R"({"i":"2","T":2,"p":"2999.5","v":"1","S":"Sell","s":"ETHUSDT","seq":2,"BT":false,"RPI":false},)"
                      R"({"i":"3","T":3,"p":"3001","v":"1","S":"Buy","s":"ETHUSDT","seq":3,"BT":false,"RPI":false}]})");
  REQUIRE(r.kind == FrameKind::Trades);
  const auto t = rig.bybit.ticks();
  REQUIRE(t.size() == 3);
  CHECK((t[0].coin == eth && t[0].price == 3000.01 && t[0].ts_ms == 1));
  CHECK((t[1].price == 2999.5 && t[1].ts_ms == 2));
  CHECK((t[2].price == 3001.0 && t[2].ts_ms == 3));
}

TEST_CASE("Bybit: subscribe acks, refusals and pongs", "[feed]") {
  ParserRig rig;
  auto r = rig.bybit.parse(
      R"({"success":true,"ret_msg":"subscribe","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b","req_id":"sub-1","op":"subscribe"})");
  CHECK(r.kind == FrameKind::SubscribeAck);
  CHECK(r.req_id == "sub-1");

  r = rig.bybit.parse(
      R"({"success":false,"ret_msg":"Invalid symbol :[publicTrade.XUSDT]","conn_id":"c","req_id":"sub-2","op":"subscribe"})");
  CHECK(r.kind == FrameKind::SubscribeFailed);
  CHECK(r.req_id == "sub-2");
  CHECK(r.message == "Invalid symbol :[publicTrade.XUSDT]");

  r = rig.bybit.parse(R"({"success":false,"ret_msg":"args size >10","conn_id":"c","op":"subscribe"})");
  CHECK(r.kind == FrameKind::SubscribeFailed);
  CHECK(r.req_id.empty());

  r = rig.bybit.parse(R"({"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"})");
  CHECK(r.kind == FrameKind::Pong);
}

TEST_CASE("Bybit: other topics (tickers) are ignored, not counted bad", "[feed]") {
  ParserRig rig;
  const auto r = rig.bybit.parse(
      R"({"topic":"tickers.BTCUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,"data":{"symbol":"BTCUSDT","lastPrice":"21109.77"}})");
  CHECK(r.kind == FrameKind::Ignored);
  CHECK(rig.bybit.ticks().empty());
}

TEST_CASE("Binance: combined trade and aggTrade frames with 8-decimal padded prices", "[feed]") {
  ParserRig rig;
  auto r = rig.binance.parse(
      R"({"stream":"bnbusdt@trade","data":{"e":"trade","E":1672515782136,"s":"BNBUSDT","t":12345,"p":"612.34000000","q":"100","T":1672515782135,"m":true,"M":true}})");
  REQUIRE(r.kind == FrameKind::Trades);
  REQUIRE(rig.binance.ticks().size() == 1);
  CHECK(rig.binance.ticks()[0].coin == bnb);
  CHECK(rig.binance.ticks()[0].price == 612.34);
  CHECK(rig.binance.ticks()[0].ts_ms == 1672515782135);
  CHECK(rig.binance.ticks()[0].seq == 12345);

  r = rig.binance.parse(
      R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":12345,"p":"102492.27000000","q":"100","f":100,"l":105,"T":2,"m":true,"M":true}})");
  REQUIRE(r.kind == FrameKind::Trades);
  CHECK(rig.binance.ticks()[0].price == 102492.27);

  r = rig.binance.parse(
      R"({"stream":"pepeusdt@trade","data":{"e":"trade","E":1,"s":"PEPEUSDT","t":1,"p":"0.00001234","q":"1","T":9,"m":false,"M":true}})");
  REQUIRE(r.kind == FrameKind::Trades);
  CHECK(rig.binance.ticks()[0].coin == pepe);
  CHECK(rig.binance.ticks()[0].price == 0.00001234);
}

TEST_CASE("Binance: raw stream payloads, serverShutdown, subscribe replies, other streams", "[feed]") {
  ParserRig rig;
  auto r = rig.binance.parse(
      R"({"e":"trade","E":1,"s":"ETHUSDT","t":1,"p":"2000.10000000","q":"1","T":5,"m":true,"M":true})");
  REQUIRE(r.kind == FrameKind::Trades);
  CHECK(rig.binance.ticks()[0].coin == eth);

  CHECK(rig.binance.parse(R"({"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}})").kind ==
        FrameKind::ServerShutdown);
  CHECK(rig.binance.parse(R"({"e":"serverShutdown","E":1770123456789})").kind == FrameKind::ServerShutdown);

  r = rig.binance.parse(R"({"result":null,"id":1})");
  CHECK(r.kind == FrameKind::SubscribeAck);
  CHECK(r.req_id == "1");
  r = rig.binance.parse(R"({"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2})");
  CHECK(r.kind == FrameKind::SubscribeFailed);
  CHECK(r.req_id == "2");
  CHECK(r.message == "Invalid request: invalid stream");

  CHECK(
      rig.binance.parse(R"({"stream":"bnbusdt@miniTicker","data":{"e":"24hrMiniTicker","E":1,"s":"BNBUSDT","c":"1"}})")
          .kind == FrameKind::Ignored);
}

TEST_CASE("Bad frames, trades and quotes, are dropped whole and say why", "[feed][quotes]") {
  ParserRig rig;
  struct Case {
    FeedProtocol protocol;
    const char* frame;
    BadFrame reason;
  };
  const Case cases[] = {
      {FeedProtocol::Bybit, "not json", BadFrame::InvalidJson},
      {FeedProtocol::Bybit, "", BadFrame::InvalidJson},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"100.5","s":"BTC)",
       BadFrame::InvalidJson},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"100.5","s":"BTCUSDT"}])",
       BadFrame::InvalidJson},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"100.5","s":"BTCUSDT"}]}})",
       BadFrame::InvalidJson},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"100.5","s":"BTCUSDT"}],"x":})",
       BadFrame::InvalidJson},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"s":"BTCUSDT"}]})",
       BadFrame::MissingField},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"p":"1","s":"BTCUSDT"}]})",
       BadFrame::MissingField},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[]})", BadFrame::MissingField},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT"})", BadFrame::MissingField},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"abc","s":"BTCUSDT"}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"-3","s":"BTCUSDT"}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"0","s":"BTCUSDT"}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"nan","s":"BTCUSDT"}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"1e999","s":"BTCUSDT"}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"12.5x","s":"BTCUSDT"}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":12.5,"s":"BTCUSDT"}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.XUSDT","data":[{"T":5,"p":"1","s":"XUSDT"}]})",
       BadFrame::UnknownSymbol},
      {FeedProtocol::Binance, R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","p":"1","T":)",
       BadFrame::InvalidJson},
      {FeedProtocol::Binance, R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","T":5}})",
       BadFrame::MissingField},
      {FeedProtocol::Binance, R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","p":"x","T":5}})",
       BadFrame::BadPrice},
      {FeedProtocol::Binance, R"({"stream":"zzzusdt@trade","data":{"e":"trade","E":1,"s":"ZZZUSDT","p":"1","T":5}})",
       BadFrame::UnknownSymbol},
      {FeedProtocol::Binance, R"({"stream":"btcusdt@trade","data":7})", BadFrame::MissingField},
      {FeedProtocol::Binance, R"([1,2,3])", BadFrame::InvalidJson},
      // The top level left open although the frame ends in '}': dropped before any field lookup.
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"100.5","s":"BTCUSDT"}],"x":{})",
       BadFrame::InvalidJson},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","x":{})", BadFrame::InvalidJson},
      {FeedProtocol::Binance, R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","p":"1","T":1})",
       BadFrame::InvalidJson},
      {FeedProtocol::Binance, R"({"result":null,"id":1,"x":{})", BadFrame::InvalidJson},
      // Quotes: a side that is not a positive number, a missing side, a bid above the ask.
      {FeedProtocol::Bybit,
       R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["101","1"]],"a":[["100","1"]],"u":3}})",
       BadFrame::CrossedQuote},
      {FeedProtocol::Bybit,
       R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["0","1"]],"a":[["100","1"]]}})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit,
       R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["99","1"]],"a":[["-100","1"]]}})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["abc","1"]],"a":[]}})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[[99,"1"]],"a":[]}})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["nan","1"]],"a":[]}})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","a":[["100","1"]]}})",
       BadFrame::MissingField},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.BTCUSDT","data":{"b":[],"a":[]}})", BadFrame::MissingField},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.XUSDT","data":{"s":"XUSDT","b":[["1","1"]],"a":[["2","1"]]}})",
       BadFrame::UnknownSymbol},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["1","1"]],"a":[["2","1"]]})",
       BadFrame::InvalidJson},
      {FeedProtocol::Binance,
       R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"101","B":"1","a":"100","A":"1"}})",
       BadFrame::CrossedQuote},
      {FeedProtocol::Binance,
       R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"0.00000000","B":"1","a":"100","A":"1"}})",
       BadFrame::BadPrice},
      {FeedProtocol::Binance,
       R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"x","B":"1","a":"100","A":"1"}})",
       BadFrame::BadPrice},
      {FeedProtocol::Binance,
       R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"","B":"1","a":"100","A":"1"}})",
       BadFrame::BadPrice},
      {FeedProtocol::Binance, R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"99","B":"1"}})",
       BadFrame::MissingField},
      {FeedProtocol::Binance,
       R"({"stream":"zzzusdt@bookTicker","data":{"u":1,"s":"ZZZUSDT","b":"1","B":"1","a":"2","A":"1"}})",
       BadFrame::UnknownSymbol},
      // Extreme numbers: no real price (subnormal, beyond 1e12), a size that is no number.
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"s":"BTCUSDT","p":"1e-320","T":1}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"s":"BTCUSDT","p":"1e300","T":1}]})",
       BadFrame::BadPrice},
      {FeedProtocol::Binance, R"({"e":"trade","s":"BTCUSDT","p":"0.0000000000001","T":1,"t":1})", BadFrame::BadPrice},
      {FeedProtocol::Bybit,
       R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["1e-320","1"]],"a":[["100","1"]]}})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit,
       R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["99","-1"]],"a":[["100","1"]]}})",
       BadFrame::BadPrice},
      {FeedProtocol::Bybit, R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["99"]],"a":[]}})",
       BadFrame::MissingField},
      {FeedProtocol::Binance,
       R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1e13","B":"1","a":"2e13","A":"1"}})",
       BadFrame::BadPrice},
      // Times at the int64 edge or before 1970: no time difference may overflow on them.
      {FeedProtocol::Bybit,
       R"({"topic":"publicTrade.BTCUSDT","data":[{"s":"BTCUSDT","p":"1","T":-9223372036854775808}]})",
       BadFrame::BadTime},
      {FeedProtocol::Bybit, R"({"topic":"publicTrade.BTCUSDT","data":[{"s":"BTCUSDT","p":"1","T":-1}]})",
       BadFrame::BadTime},
      {FeedProtocol::Binance, R"({"e":"trade","s":"BTCUSDT","p":"1","T":9223372036854775807,"t":1})",
       BadFrame::BadTime},
      {FeedProtocol::Bybit,
       R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["1","1"]],"a":[]},"cts":-9223372036854775808})",
       BadFrame::BadTime},
  };
  for (const auto& c : cases) {
    INFO(c.frame);
    FrameParser& p = c.protocol == FeedProtocol::Bybit ? rig.bybit : rig.binance;
    const auto r = p.parse(c.frame);
    CHECK(r.kind == FrameKind::Bad);
    CHECK(to_string(r.bad) == to_string(c.reason));
    CHECK(p.ticks().empty());
  }
}

TEST_CASE("Quotes: Bybit orderbook.1 and Binance bookTicker from protocols.md become best bid/ask", "[feed][quotes]") {
  ParserRig rig;
  auto r = rig.bybit.parse(
      R"({"topic":"orderbook.1.BTCUSDT","ts":1672304484978,"type":"snapshot","data":{"s":"BTCUSDT","b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],"u":18521288,"seq":7961638724},"cts":1672304484976})");
  REQUIRE(r.kind == FrameKind::Quote);
  FeedQuote q = rig.bybit.quote();
  CHECK(q.coin == btc);
  CHECK((q.bid_change == SideChange::Set && q.bid == 16493.50));
  CHECK((q.ask_change == SideChange::Set && q.ask == 16611.00));
  CHECK_FALSE(q.delta);
  CHECK(q.update_id == 18521288);
  CHECK(q.ts_ms == 1672304484976);   // cts: the matching engine's time
  CHECK(rig.bybit.ticks().empty());  // a quote is no trade

  // One side empty: a thin book; the other side still counts.
  r = rig.bybit.parse(
      R"({"topic":"orderbook.1.ETHUSDT","ts":7,"type":"snapshot","data":{"s":"ETHUSDT","b":[["2000.5","1"]],"a":[],"u":1,"seq":2}})");
  REQUIRE(r.kind == FrameKind::Quote);
  q = rig.bybit.quote();
  CHECK((q.coin == eth && q.bid_change == SideChange::Set && q.bid == 2000.5 && q.ask_change == SideChange::Clear));
  CHECK(q.ts_ms == 7);  // no cts: ts

  // Binance combined stream (routed by its name: spot bookTicker has no "e") and the raw form.
  r = rig.binance.parse(
      R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})");
  REQUIRE(r.kind == FrameKind::Quote);
  q = rig.binance.quote();
  CHECK((q.coin == bnb && q.bid == 25.3519 && q.ask == 25.3652 && q.bid_change == SideChange::Set &&
         q.ask_change == SideChange::Set));
  CHECK(q.update_id == 400900217);
  CHECK(q.ts_ms == 0);  // none given: tradingd stamps its arrival
  r = rig.binance.parse(R"({"u":5,"s":"PEPEUSDT","b":"0.00001230","B":"1","a":"0.00001240","A":"2"})");
  REQUIRE(r.kind == FrameKind::Quote);
  CHECK((rig.binance.quote().coin == pepe && rig.binance.quote().ask == 0.0000124));

  // A locked book (bid == ask) is a valid quote.
  CHECK(rig.binance
            .parse(R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"10","B":"1","a":"10","A":"1"}})")
            .kind == FrameKind::Quote);
}

TEST_CASE("Bybit: many trades of one seq, as real frames carry them, keep their own trade ids", "[feed][input]") {
  ParserRig rig;
  // Every fill of one taker order shares the seq (protocols.md); "i" tells them apart.
  std::string frame = R"({"topic":"publicTrade.BTCUSDT","ts":1761583474344,"type":"snapshot","data":[)";
  for (int k = 0; k < 46; ++k)
    frame +=
        (k ? "," : "") + std::string(R"({"i":"22900000009237503)") + std::to_string(10 + k) +
        R"(","T":1761583474343,"p":"115440.7","v":"0.00903","S":"Buy","seq":89200463112,"s":"BTCUSDT","BT":false,"RPI":false})";
  frame += "]}";
  REQUIRE(rig.bybit.parse(frame).kind == FrameKind::Trades);
  REQUIRE(rig.bybit.ticks().size() == 46);
  std::set<std::uint64_t> ids;
  for (int k = 0; k < 46; ++k) {
    CHECK(rig.bybit.ticks()[static_cast<std::size_t>(k)].seq == 89200463112);
    ids.insert(rig.bybit.ticks()[static_cast<std::size_t>(k)].trade_id);
  }
  CHECK(ids.size() == 46);  // each fill keeps an id of its own
  // The same id gives the same key in another frame (the other connection's copy).
  const std::uint64_t first = rig.bybit.ticks()[0].trade_id;
  REQUIRE(rig.bybit
              .parse(R"({"topic":"publicTrade.BTCUSDT","data":[{"i":"2290000000923750310","T":1,"p":"1",)"
                     R"("s":"BTCUSDT","seq":89200463112}]})")
              .kind == FrameKind::Trades);
  CHECK(rig.bybit.ticks()[0].trade_id == first);
  // Derivatives-style UUID ids: distinct.
  REQUIRE(rig.bybit
              .parse(R"({"topic":"publicTrade.BTCUSDT","data":[)"
                     R"({"i":"20f43950-d8dd-5b31-9112-a178eb6023af","T":1,"p":"1","s":"BTCUSDT","seq":5},)"
                     R"({"i":"20f43950-d8dd-5b31-9112-a178eb6023b0","T":1,"p":"1","s":"BTCUSDT","seq":5}]})")
              .kind == FrameKind::Trades);
  CHECK(rig.bybit.ticks()[0].trade_id != rig.bybit.ticks()[1].trade_id);
  // Without "i", a trade's place among the frame's trades of its seq.
  REQUIRE(rig.bybit
              .parse(R"({"topic":"publicTrade.BTCUSDT","data":[{"T":1,"p":"1","s":"BTCUSDT","seq":5},)"
                     R"({"T":1,"p":"1","s":"BTCUSDT","seq":5},{"T":1,"p":"1","s":"BTCUSDT","seq":6}]})")
              .kind == FrameKind::Trades);
  CHECK(
      (rig.bybit.ticks()[0].trade_id == 0 && rig.bybit.ticks()[1].trade_id == 1 && rig.bybit.ticks()[2].trade_id == 0));
  // Binance: the trade id is the sequence.
  REQUIRE(rig.binance.parse(R"({"e":"trade","s":"BTCUSDT","p":"1","T":1,"t":12345})").kind == FrameKind::Trades);
  CHECK((rig.binance.ticks()[0].seq == 12345 && rig.binance.ticks()[0].trade_id == 12345));
}

TEST_CASE("Bybit: level-1 deltas change only the levels they name, size 0 removes, [] keeps", "[feed][quotes]") {
  ParserRig rig;
  Quote book;
  const auto apply = [&](const std::string& data, const char* type) {
    const auto r = rig.bybit.parse(std::string(R"({"topic":"orderbook.1.BTCUSDT","ts":1672304484978,"type":")") + type +
                                   R"(","data":{"s":"BTCUSDT",)" + data + R"(,"u":18521288,"seq":7961638724},)" +
                                   R"("cts":1672304484976})");
    REQUIRE(r.kind == FrameKind::Quote);
    book = rig.bybit.quote().applied_to(book);
    return rig.bybit.quote();
  };
  auto q = apply(R"("b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]])", "snapshot");
  CHECK_FALSE(q.delta);
  CHECK((book.has_bid && book.bid == 16493.50 && book.has_ask && book.ask == 16611.00));
  // The bid moves: the old level removed, the new one given; the ask unchanged ([]).
  q = apply(R"("b":[["16493.50","0"],["16494.00","0.5"]],"a":[])", "delta");
  CHECK(q.delta);
  CHECK((q.bid_change == SideChange::Set && q.ask_change == SideChange::Keep));
  CHECK((book.has_bid && book.bid == 16494.00 && book.has_ask && book.ask == 16611.00));
  // The ask's level removed and none given: the side is empty, not the removed price.
  q = apply(R"("b":[],"a":[["16611.00","0"]])", "delta");
  CHECK((q.ask_change == SideChange::Remove && q.ask == 16611.00));
  CHECK((book.has_bid && book.bid == 16494.00 && !book.has_ask));
  // A removal of a level the book does not hold changes nothing.
  apply(R"("b":[["16000","0"]],"a":[])", "delta");
  CHECK((book.has_bid && book.bid == 16494.00));
  // A size change of the best level keeps its price; the ask comes back.
  apply(R"("b":[["16494.00","1.2"]],"a":[["16600.5","0.1"]])", "delta");
  CHECK((book.bid == 16494.00 && book.has_ask && book.ask == 16600.5));
  // A snapshot replaces the book: its empty side is empty.
  q = apply(R"("b":[["16490","1"]],"a":[])", "snapshot");
  CHECK(q.ask_change == SideChange::Clear);
  CHECK((book.bid == 16490 && !book.has_ask));
  // A delta that would cross the book parses (its own sides are fine); the
  // feed judges the book it makes (MarketFeed drops it as crossed_quote).
  apply(R"("b":[],"a":[["16600","1"]])", "delta");
  CHECK_FALSE(book.crossed());
  apply(R"("b":[["16700","1"]],"a":[])", "delta");
  CHECK(book.crossed());
}

TEST_CASE("A frame with one bad trade among good ones delivers none of them", "[feed]") {
  ParserRig rig;
  const auto r = rig.bybit.parse(
      R"({"topic":"publicTrade.BTCUSDT","data":[{"T":1,"p":"100","s":"BTCUSDT"},{"T":2,"p":"oops","s":"BTCUSDT"},{"T":3,"p":"101","s":"BTCUSDT"}]})");
  CHECK(r.kind == FrameKind::Bad);
  CHECK(r.bad == BadFrame::BadPrice);
  CHECK(rig.bybit.ticks().empty());
  // and the parser is fine for the next frame
  REQUIRE(rig.bybit.parse(R"({"topic":"publicTrade.BTCUSDT","data":[{"T":4,"p":"102","s":"BTCUSDT"}]})").kind ==
          FrameKind::Trades);
  CHECK(rig.bybit.ticks()[0].price == 102.0);
}

TEST_CASE("Symbols map to coin ids in any case, unknown ones do not", "[feed]") {
  const CoinTable coins({"BTC", "ETH", "SOL",  "BNB", "XRP", "DOGE", "ADA",  "AVAX",  "LINK", "DOT",
                         "POL", "UNI", "ATOM", "LTC", "BCH", "PEPE", "SHIB", "FLOKI", "WIF",  "BONK"});
  const SymbolTable symbols(coins, "USDT");
  for (std::size_t id = 0; id < coins.size(); ++id) {
    const std::string upper = coins.name(static_cast<CoinId>(id)) + "USDT";
    std::string lower = upper;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    CHECK(symbols.find(upper) == static_cast<CoinId>(id));
    CHECK(symbols.find(lower) == static_cast<CoinId>(id));
    CHECK(symbols.symbol(static_cast<CoinId>(id)) == upper);
  }
  CHECK_FALSE(symbols.find("BTC"));
  CHECK_FALSE(symbols.find("BTCUSD"));
  CHECK_FALSE(symbols.find(std::string_view("BTCUSDT\0", 8)));
  CHECK_FALSE(symbols.find("BTCUSDT "));
  CHECK_FALSE(symbols.find("BTCUSDTX"));
  CHECK_FALSE(symbols.find("MATICUSDT"));
  CHECK_FALSE(symbols.find(""));
}

TEST_CASE("Bybit: a book level missing a comma is a bad frame, not a walk past the end (fuzz finding)", "[feed]") {
  ParserRig rig;
  // Found by fuzz_bybit_frame: iterating on after the error read through a dead
  // iterator (UBSan: member access within null pointer of type ondemand::parser).
  const auto r =
      rig.bybit.parse(R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["1""",1]],"a":[["2","1"]]}})");
  CHECK(r.kind == FrameKind::Bad);
  const auto t = rig.bybit.parse(R"({"topic":"publicTrade.BTCUSDT","data":[{"s":"BTCUSDT","p":"1","T":1} {"s":"x"}]})");
  CHECK(t.kind == FrameKind::Bad);
  // The parser is whole again for the next frame.
  REQUIRE(rig.bybit.parse(R"({"topic":"orderbook.1.BTCUSDT","data":{"s":"BTCUSDT","b":[["1","1"]],"a":[["2","1"]]}})")
              .kind == FrameKind::Quote);
  CHECK(rig.bybit.quote().bid == 1.0);
}

TEST_CASE("Fields are read in any order: the topic or stream after the data, the event after the price", "[feed]") {
  ParserRig rig;
  REQUIRE(
      rig.bybit.parse(R"({"data":[{"p":"101.5","seq":7,"T":5,"s":"ETHUSDT"}],"ts":3,"topic":"publicTrade.ETHUSDT"})")
          .kind == FrameKind::Trades);
  REQUIRE(rig.bybit.ticks().size() == 1);
  CHECK((rig.bybit.ticks()[0].coin == eth && rig.bybit.ticks()[0].price == 101.5 && rig.bybit.ticks()[0].seq == 7));
  REQUIRE(rig.bybit
              .parse(R"({"cts":9,"data":{"u":4,"a":[["2","1"]],"b":[["1","1"]],"s":"BTCUSDT"},)"
                     R"("topic":"orderbook.1.BTCUSDT","ts":8})")
              .kind == FrameKind::Quote);
  CHECK((rig.bybit.quote().bid == 1.0 && rig.bybit.quote().ask == 2.0 && rig.bybit.quote().ts_ms == 9 &&
         rig.bybit.quote().update_id == 4));
  // A book under a trade topic, or trades under a book topic, are not what the topic says.
  CHECK(rig.bybit.parse(R"({"data":{"s":"BTCUSDT","b":[],"a":[]},"topic":"publicTrade.BTCUSDT"})").bad ==
        BadFrame::MissingField);
  CHECK(rig.bybit.parse(R"({"data":[{"p":"1","T":5,"s":"BTCUSDT"}],"topic":"orderbook.1.BTCUSDT"})").bad ==
        BadFrame::MissingField);
  // An aggTrade whose "e" comes last: "a" is still its id, and a bookTicker's "a" its ask.
  REQUIRE(rig.binance.parse(R"({"data":{"a":77,"p":"0.5","s":"PEPEUSDT","T":9,"e":"aggTrade"},"stream":"x@aggTrade"})")
              .kind == FrameKind::Trades);
  CHECK(
      (rig.binance.ticks()[0].coin == pepe && rig.binance.ticks()[0].seq == 77 && rig.binance.ticks()[0].price == 0.5));
  REQUIRE(rig.binance.parse(R"({"A":"1","a":"3","B":"1","b":"2","s":"BNBUSDT","u":5})").kind == FrameKind::Quote);
  CHECK((rig.binance.quote().coin == bnb && rig.binance.quote().bid == 2.0 && rig.binance.quote().ask == 3.0));
  // Duplicate keys: the first counts.
  REQUIRE(rig.binance.parse(R"({"e":"trade","s":"BTCUSDT","p":"1","p":"2","T":1,"t":3})").kind == FrameKind::Trades);
  CHECK(rig.binance.ticks()[0].price == 1.0);
}

TEST_CASE("Anything after the top level's closing brace drops the frame", "[feed]") {
  ParserRig rig;
  const char* good = R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"100.5","s":"BTCUSDT"}]})";
  REQUIRE(rig.bybit.parse(good).kind == FrameKind::Trades);
  REQUIRE(rig.bybit.parse(std::string(" \n") + good + " \r\n\t").kind == FrameKind::Trades);
  for (const char* tail : {"{}", " 5", R"({"topic":"x"})", "]", ",", " true", R"( "x")"}) {
    INFO(tail);
    const auto r = rig.bybit.parse(std::string(good) + tail);
    CHECK(r.kind == FrameKind::Bad);
    CHECK(r.bad == BadFrame::InvalidJson);
    CHECK(rig.bybit.ticks().empty());
  }
  CHECK(rig.binance.parse(R"({"e":"trade","s":"BTCUSDT","p":"1","T":1,"t":3}{"e":"trade"})").bad ==
        BadFrame::InvalidJson);
  CHECK(rig.binance.parse(R"({"result":null,"id":1} 2)").bad == BadFrame::InvalidJson);
}

TEST_CASE("Escaped strings are unescaped before they are read", "[feed]") {
  ParserRig rig;
  REQUIRE(
      rig.bybit.parse(R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"1\u0030\u0030.5","s":"BTC\u0055SDT"}]})")
          .kind == FrameKind::Trades);
  CHECK((rig.bybit.ticks()[0].coin == btc && rig.bybit.ticks()[0].price == 100.5));
  CHECK(rig.bybit.parse(R"({"topic":"publicTrade.BTCUSDT","data":[{"T":5,"p":"1\q","s":"BTCUSDT"}]})").kind ==
        FrameKind::Bad);
}

TEST_CASE("Symbols of every length up to the limit, among many, find themselves and nothing else", "[feed]") {
  std::vector<std::string> names;
  // 2..27 characters plus USDT: 6..31 bytes, across the 8- and 16-byte word edges,
  // several sharing their first eight bytes.
  for (std::size_t n = 1; n <= 26; ++n) names.push_back(std::string(n, 'A') + "B");
  for (std::size_t n = 1; n <= 26; ++n) names.push_back("Z" + std::string(n, '9'));
  for (int i = 0; i < 150; ++i) names.push_back("C" + std::to_string(i * 7919));
  const CoinTable coins(names);
  const SymbolTable symbols(coins, "USDT");
  for (std::size_t id = 0; id < coins.size(); ++id) {
    const std::string symbol = symbols.symbol(static_cast<CoinId>(id));
    INFO(symbol);
    REQUIRE(symbols.find(symbol) == static_cast<CoinId>(id));
    std::string lower = symbol;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    CHECK(symbols.find(lower) == static_cast<CoinId>(id));
    CHECK_FALSE(symbols.find(symbol.substr(0, symbol.size() - 1)));
    CHECK_FALSE(symbols.find(symbol + "T"));
    std::string changed = symbol;
    changed[changed.size() / 2] = '#';
    CHECK_FALSE(symbols.find(changed));
  }
  CHECK_FALSE(symbols.find(std::string(32, 'A')));
}
