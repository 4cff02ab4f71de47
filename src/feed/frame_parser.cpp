#include "tradingd/feed/frame_parser.hpp"

#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "tradingd/feed/symbol_table.hpp"

namespace tradingd {

namespace od = simdjson::ondemand;

std::string_view to_string(FeedProtocol p) {
  return p == FeedProtocol::Bybit ? "bybit" : "binance";
}

std::string_view to_string(BadFrame reason) {
  switch (reason) {
    case BadFrame::InvalidJson:
      return "invalid_json";
    case BadFrame::MissingField:
      return "missing_field";
    case BadFrame::BadPrice:
      return "bad_price";
    case BadFrame::UnknownSymbol:
      return "unknown_symbol";
    case BadFrame::CrossedQuote:
      return "crossed_quote";
  }
  return "?";
}

namespace {

// Bybit sends up to 1024 trades per frame; room for them is reserved up front.
constexpr std::size_t reserved_ticks = 1024;

FrameResult bad(BadFrame reason) {
  return FrameResult{FrameKind::Bad, reason, {}, {}};
}

// A missing or mistyped field is the sender's mistake; anything else simdjson
// reports means the text is not JSON.
BadFrame classify(simdjson::error_code e) {
  return e == simdjson::NO_SUCH_FIELD || e == simdjson::INCORRECT_TYPE ? BadFrame::MissingField : BadFrame::InvalidJson;
}

bool parse_price(std::string_view text, double& out) {
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end && std::isfinite(out) && out > 0.0;
}

}  // namespace

struct FrameParser::Impl {
  explicit Impl(const SymbolTable& s) : symbols(s), json(max_frame_bytes) {
    // Sized once: later frames up to max_frame_bytes reuse these buffers.
    if (json.allocate(max_frame_bytes)) throw std::bad_alloc();
    padded.reset(new char[max_frame_bytes + simdjson::SIMDJSON_PADDING]);
    ticks.reserve(reserved_ticks);
  }

  const SymbolTable& symbols;
  od::parser json;
  std::unique_ptr<char[]> padded;
  std::vector<FeedTick> ticks;
  FeedQuote quote;
  char id_text[24] = {};

  // A quote whose sides are read: the symbol known, each side given a price,
  // and not crossed.
  FrameResult finish_quote(std::string_view symbol) {
    const auto coin = symbols.find(symbol);
    if (!coin) return bad(BadFrame::UnknownSymbol);
    if (quote.has_bid && quote.has_ask && quote.bid > quote.ask) return bad(BadFrame::CrossedQuote);
    quote.coin = *coin;
    return FrameResult{FrameKind::Quote, {}, {}, {}};
  }

  // Bybit level 1: "b":[["16493.50","0.006"]] or "b":[] (an empty side). The
  // arrays are read to their end: ondemand must never be left inside a child
  // it is asked to skip later (on a truncated frame that walks off the end).
  std::optional<BadFrame> read_level(od::object& data, const char* key, double& price, bool& has) {
    od::array levels;
    if (auto e = data.find_field_unordered(key).get_array().get(levels)) return classify(e);
    has = false;
    std::optional<BadFrame> problem;
    for (auto level : levels) {
      if (level.error()) return classify(level.error());
      od::array pair;
      if (auto e = level.get_array().get(pair)) return classify(e);
      bool first = true;
      for (auto item : pair) {
        // An error of the iteration itself (a missing comma) ends it: ondemand
        // cannot step past one, and going on reads through a dead iterator.
        if (item.error()) return classify(item.error());
        std::string_view text;
        const auto e = item.get_string().get(text);
        if (!first || has || problem) continue;  // the size, or a deeper level: not needed
        first = false;
        if (e)
          problem = e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e);
        else if (!parse_price(text, price))
          problem = BadFrame::BadPrice;
        else
          has = true;
      }
    }
    return problem;
  }

  // {"topic":"orderbook.1.BTCUSDT","ts":...,"type":"snapshot","data":{"s":..,"b":[[p,q]],"a":[[p,q]],"u":..},"cts":..}
  FrameResult parse_bybit_orderbook(od::object obj) {
    quote = FeedQuote{};
    // cts is the matching engine's time (comparable with a trade's T); ts the
    // system's. Read before descending into "data": ondemand never comes back
    // out of a child to its parent here.
    std::int64_t ts = 0;
    if (!obj.find_field_unordered("cts").get_int64().get(ts) || !obj.find_field_unordered("ts").get_int64().get(ts))
      quote.ts_ms = ts;
    od::object data;
    if (auto e = obj.find_field_unordered("data").get_object().get(data)) return bad(classify(e));
    std::string_view symbol;
    if (auto e = data.find_field_unordered("s").get_string().get(symbol)) return bad(classify(e));
    if (auto r = read_level(data, "b", quote.bid, quote.has_bid)) return bad(*r);
    if (auto r = read_level(data, "a", quote.ask, quote.has_ask)) return bad(*r);
    if (auto e = data.find_field_unordered("u").get_int64().get(quote.update_id); e && e != simdjson::NO_SUCH_FIELD)
      return bad(classify(e));
    return finish_quote(symbol);
  }

  // {"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}
  FrameResult parse_book_ticker(od::object payload) {
    quote = FeedQuote{};
    std::string_view symbol, bid, ask;
    if (auto e = payload.find_field_unordered("s").get_string().get(symbol)) return bad(classify(e));
    if (auto e = payload.find_field_unordered("b").get_string().get(bid))
      return bad(e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e));
    if (auto e = payload.find_field_unordered("a").get_string().get(ask))
      return bad(e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e));
    if (auto e = payload.find_field_unordered("u").get_int64().get(quote.update_id); e && e != simdjson::NO_SUCH_FIELD)
      return bad(classify(e));
    if (!parse_price(bid, quote.bid) || !parse_price(ask, quote.ask)) return bad(BadFrame::BadPrice);
    quote.has_bid = quote.has_ask = true;
    return finish_quote(symbol);
  }

  bool well_formed(od::document& doc, std::string_view frame) {
    doc.rewind();
    od::object top;
    if (doc.get_object().get(top)) return false;
    for (auto field : top) {
      od::value v;
      od::json_type type;
      if (field.error() || field.value().get(v) || v.type().get(type)) return false;
    }
    doc.rewind();
    std::string_view whole;
    if (doc.raw_json().get(whole)) return false;
    while (!frame.empty() && std::isspace(static_cast<unsigned char>(frame.back()))) frame.remove_suffix(1);
    while (!frame.empty() && std::isspace(static_cast<unsigned char>(frame.front()))) frame.remove_prefix(1);
    return whole.size() == frame.size();
  }

  // One trade object -> ticks; error: the reason the frame is dropped.
  std::optional<BadFrame> add_trade(od::object trade, const char* symbol_key, const char* price_key,
                                    const char* time_key, const char* seq_key) {
    std::string_view symbol, price_text;
    std::int64_t ts = 0, seq = 0;
    if (auto e = trade.find_field_unordered(symbol_key).get_string().get(symbol)) return classify(e);
    if (auto e = trade.find_field_unordered(price_key).get_string().get(price_text))
      return e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e);
    if (auto e = trade.find_field_unordered(time_key).get_int64().get(ts)) return classify(e);
    if (auto e = trade.find_field_unordered(seq_key).get_int64().get(seq); e && e != simdjson::NO_SUCH_FIELD)
      return classify(e);
    double price = 0.0;
    if (!parse_price(price_text, price)) return BadFrame::BadPrice;
    const auto coin = symbols.find(symbol);
    if (!coin) return BadFrame::UnknownSymbol;
    ticks.push_back(FeedTick{*coin, price, ts, seq});
    return std::nullopt;
  }

  FrameResult parse_bybit(od::object obj) {
    std::string_view topic;
    const auto topic_err = obj.find_field_unordered("topic").get_string().get(topic);
    if (!topic_err) {
      if (topic.rfind("orderbook.1.", 0) == 0) return parse_bybit_orderbook(obj);
      if (topic.rfind("publicTrade.", 0) != 0) return FrameResult{FrameKind::Ignored, {}, {}, {}};
      od::array data;
      if (auto e = obj.find_field_unordered("data").get_array().get(data)) return bad(classify(e));
      for (auto element : data) {
        if (element.error()) return bad(classify(element.error()));
        od::object trade;
        if (auto e = element.get_object().get(trade)) return bad(classify(e));
        if (auto reason = add_trade(trade, "s", "p", "T", "seq")) return bad(*reason);
      }
      if (ticks.empty()) return bad(BadFrame::MissingField);
      return FrameResult{FrameKind::Trades, {}, {}, {}};
    }
    if (topic_err != simdjson::NO_SUCH_FIELD) return bad(classify(topic_err));

    // Control replies: {"success":true,"ret_msg":"subscribe","req_id":"sub-1","op":"subscribe"}
    std::string_view op, message, req_id;
    if (auto e = obj.find_field_unordered("op").get_string().get(op)) return bad(classify(e));
    bool success = true;
    if (auto e = obj.find_field_unordered("success").get_bool().get(success); e && e != simdjson::NO_SUCH_FIELD)
      return bad(classify(e));
    if (auto e = obj.find_field_unordered("ret_msg").get_string().get(message); e && e != simdjson::NO_SUCH_FIELD)
      return bad(classify(e));
    if (auto e = obj.find_field_unordered("req_id").get_string().get(req_id); e && e != simdjson::NO_SUCH_FIELD)
      return bad(classify(e));
    if (op == "subscribe")
      return FrameResult{success ? FrameKind::SubscribeAck : FrameKind::SubscribeFailed, {}, req_id, message};
    if (op == "ping" || op == "pong") return FrameResult{FrameKind::Pong, {}, req_id, message};
    return FrameResult{FrameKind::Ignored, {}, req_id, message};
  }

  FrameResult parse_binance_payload(od::object payload) {
    std::string_view event;
    if (auto e = payload.find_field_unordered("e").get_string().get(event)) {
      if (e != simdjson::NO_SUCH_FIELD) return bad(classify(e));
      // Spot bookTicker has no "e" (a raw /ws/ stream); nothing else we subscribe to lacks it.
      std::string_view probe;
      if (payload.find_field_unordered("b").get_string().get(probe) == simdjson::NO_SUCH_FIELD)
        return FrameResult{FrameKind::Ignored, {}, {}, {}};
      return parse_book_ticker(payload);
    }
    if (event == "trade" || event == "aggTrade") {
      if (auto reason = add_trade(payload, "s", "p", "T", event == "trade" ? "t" : "a")) return bad(*reason);
      return FrameResult{FrameKind::Trades, {}, {}, {}};
    }
    if (event == "serverShutdown") return FrameResult{FrameKind::ServerShutdown, {}, {}, {}};
    return FrameResult{FrameKind::Ignored, {}, {}, {}};
  }

  FrameResult parse_binance(od::object obj) {
    // Combined stream: {"stream":"btcusdt@trade","data":{...}}
    std::string_view stream;
    const auto stream_err = obj.find_field_unordered("stream").get_string().get(stream);
    if (!stream_err) {
      od::object payload;
      const bool book_ticker = stream.size() > 11 && stream.substr(stream.size() - 11) == "@bookTicker";
      if (auto e = obj.find_field_unordered("data").get_object().get(payload)) return bad(classify(e));
      return book_ticker ? parse_book_ticker(payload) : parse_binance_payload(payload);
    }
    if (stream_err != simdjson::NO_SUCH_FIELD) return bad(classify(stream_err));

    // Replies to SUBSCRIBE: {"result":null,"id":1} or {"error":{"code":2,"msg":"..."},"id":2}
    std::int64_t id = 0;
    const auto id_err = obj.find_field_unordered("id").get_int64().get(id);
    if (!id_err) {
      const auto [end, ec] = std::to_chars(id_text, id_text + sizeof id_text, id);
      (void)ec;
      const std::string_view req_id(id_text, static_cast<std::size_t>(end - id_text));
      od::object error;
      if (!obj.find_field_unordered("error").get_object().get(error)) {
        std::string_view msg;
        if (error.find_field_unordered("msg").get_string().get(msg)) msg = "(no message)";
        return FrameResult{FrameKind::SubscribeFailed, {}, req_id, msg};
      }
      return FrameResult{FrameKind::SubscribeAck, {}, req_id, {}};
    }
    // A raw stream (/ws/<stream>) sends the payload itself.
    return parse_binance_payload(obj);
  }
};

FrameParser::FrameParser(FeedProtocol protocol, const SymbolTable& symbols)
    : protocol_(protocol), impl_(std::make_unique<Impl>(symbols)) {}

FrameParser::~FrameParser() = default;

std::span<const FeedTick> FrameParser::ticks() const {
  return impl_->ticks;
}

const FeedQuote& FrameParser::quote() const {
  return impl_->quote;
}

FrameResult FrameParser::parse(std::string_view frame) {
  Impl& m = *impl_;
  m.ticks.clear();
  if (frame.size() > max_frame_bytes) return bad(BadFrame::InvalidJson);
  // simdjson reads a few bytes past the end; the copy gives it that padding
  // whatever buffer the frame came in.
  std::memcpy(m.padded.get(), frame.data(), frame.size());
  std::memset(m.padded.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (m.json.iterate(m.padded.get(), frame.size(), frame.size() + simdjson::SIMDJSON_PADDING).get(doc))
    return bad(BadFrame::InvalidJson);
  // ondemand reads lazily, only what it is asked for, and trusts the
  // structure: a frame that is not JSON past its useful part (truncated,
  // doubled braces, a missing value) must be dropped instead of traded on,
  // and one whose top level is not closed must never reach a field lookup
  // (simdjson 3.0's find_field_unordered walks off the end of such a frame
  // when it wraps around). So the structure is checked first, then read.
  if (!m.well_formed(doc, frame)) return bad(BadFrame::InvalidJson);
  doc.rewind();
  od::object obj;
  // Every exchange message is an object; anything else is not one of theirs.
  if (doc.get_object().get(obj)) return bad(BadFrame::InvalidJson);
  FrameResult r = protocol_ == FeedProtocol::Bybit ? m.parse_bybit(obj) : m.parse_binance(obj);
  if (r.kind == FrameKind::Bad) m.ticks.clear();
  return r;
}

}  // namespace tradingd
