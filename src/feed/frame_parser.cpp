#include "tradingd/feed/frame_parser.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "tradingd/domain/decimal_text.hpp"
#include "tradingd/domain/price_rule.hpp"
#include "tradingd/domain/time_format.hpp"
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
    case BadFrame::BadTime:
      return "bad_time";
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

// A price's text as a real price (PriceRule: finite, 1e-12 to 1e12).
bool parse_price(std::string_view text, double& out) {
  return DecimalText::parse(text, out) && PriceRule::real(out);
}

// An exchange time: epoch ms from 1970 to 9999 (TimeFormat's range), so the
// feed's age and future checks cannot overflow on it.
bool real_time(std::int64_t ms) {
  return TimeFormat::in_range(ms);
}

// Bybit's trade id "i" (spot "2290000000923750370", derivatives a UUID) as a
// 64-bit key: its raw bytes, between the quotes, mixed eight at a time. Only
// equality matters (it tells two fills of one seq apart), so no decimal
// conversion; two ids of one seq colliding has odds of about 2^-64. The
// frame's padding makes the last 8-byte load safe; its bytes past the id are
// masked off.
std::uint64_t trade_id_of(std::string_view raw) {
  // simdjson's raw token may run on over the whitespace after the value.
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r'))
    raw.remove_suffix(1);
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ raw.size();
  for (std::size_t at = 0; at < raw.size(); at += 8) {
    std::uint64_t chunk = 0;
    const std::size_t n = std::min<std::size_t>(8, raw.size() - at);
    std::memcpy(&chunk, raw.data() + at, n);
    h = (h ^ chunk) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  return h;
}

// A field's key compared as its raw bytes, without unescaping: every key read
// here is short ASCII. The frame's padding keeps the bytes read past a shorter
// key inside the buffer.
class Key {
 public:
  explicit Key(const char* raw) : raw_(raw) {}
  template <std::size_t N>
  bool operator==(const char (&name)[N]) const {
    return raw_[N - 1] == '"' && std::memcmp(raw_, name, N - 1) == 0;
  }

 private:
  const char* raw_;
};

// One scalar field, read as whatever type it has when the walk meets it; which
// type the frame needed is asked after the object is read whole (a Binance "a"
// is an id in a trade and a price in a bookTicker). The first of duplicate
// keys counts.
struct Scalar {
  // Only `present` is set up front: the rest is written by read() before
  // anything reads it, and a frame's dozen of these cost no zeroing.
  bool present = false;
  od::json_type type;  // none when the token is not a JSON value
  simdjson::error_code error;
  std::string_view text;
  std::int64_t number;
  bool flag;

  void read(od::value& v) {
    if (present) return;
    present = true;
    type = od::json_type{};
    if ((error = v.type().get(type))) return;
    switch (type) {
      case od::json_type::string:
        error = v.get_string().get(text);
        break;
      case od::json_type::number:
        error = v.get_int64().get(number);
        break;
      case od::json_type::boolean:
        error = v.get_bool().get(flag);
        break;
      default:  // an object, array or null: nothing of it is read, the walk skips it
        break;
    }
  }
  // As simdjson's get_string/get_int64/get_bool would have answered.
  [[nodiscard]] simdjson::error_code as(od::json_type want) const {
    if (!present) return simdjson::NO_SUCH_FIELD;
    if (error && type == od::json_type{}) return error;
    if (type != want) return simdjson::INCORRECT_TYPE;
    return error;
  }
  // Optional fields: absent is fine, present must be of the type wanted.
  [[nodiscard]] simdjson::error_code as_optional(od::json_type want) const {
    return present ? as(want) : simdjson::SUCCESS;
  }
};

constexpr auto string_type = od::json_type::string;
constexpr auto number_type = od::json_type::number;
constexpr auto boolean_type = od::json_type::boolean;

// Reads an object's fields once, in order, to its closing brace, handing each
// key and value to `visit`. Returns the first error of the walk itself (an
// object left open, a missing comma): ondemand cannot step past one, so the
// frame is dropped there. Lookups by name (find_field_unordered) are not used:
// their search wraps around the object and, in simdjson 3.0, walks off the end
// of one that is never closed; a forward walk meets the end and stops.
template <class Visit>
simdjson::error_code walk(od::object& object, Visit&& visit) {
  for (auto field : object) {
    if (auto e = field.error()) return e;
    // By reference into the loop's own result: copying ondemand's small
    // iterator structs stalled on store forwarding (30 % of the walk in perf).
    od::field&& f = std::move(field).value_unsafe();
    if (auto e = visit(Key(f.key().raw()), f.value())) return e;
  }
  return simdjson::SUCCESS;
}

// The fields of a Binance payload: a trade, aggTrade, bookTicker or another event.
struct BinancePayload {
  Scalar event, symbol, price, time, trade_id, a, b, update_id;
  bool read(Key k, od::value& v) {
    if (k == "e") return event.read(v), true;
    if (k == "s") return symbol.read(v), true;
    if (k == "p") return price.read(v), true;
    if (k == "T") return time.read(v), true;
    if (k == "t") return trade_id.read(v), true;
    if (k == "a") return a.read(v), true;  // aggTrade: the aggregate id; bookTicker: the best ask
    if (k == "b") return b.read(v), true;  // bookTicker: the best bid
    if (k == "u") return update_id.read(v), true;
    return false;
  }
};

// One side of a Bybit level-1 book: "b":[["16493.50","0.006"]] or "b":[].
// Every level is read (price and size); which one counts is decided once the
// message's type is known: a snapshot's first level of size > 0, a delta's
// last level of size > 0, else the last it removed (size "0").
struct BookSide {
  bool present = false;
  bool any_level = false;
  bool has_first = false, has_last = false, has_removed = false;
  double first = 0.0, last = 0.0, removed = 0.0;
  std::optional<BadFrame> problem;

  void change(bool delta, SideChange& change, double& price) const {
    if (!delta) {
      change = has_first ? SideChange::Set : SideChange::Clear;
      price = has_first ? first : 0.0;
    } else if (has_last) {
      change = SideChange::Set;
      price = last;
    } else if (has_removed) {
      change = SideChange::Remove;
      price = removed;
    } else {
      change = SideChange::Keep;  // an empty array in a delta: unchanged
      price = 0.0;
    }
  }
};

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

  // A trade's fields -> one tick, or the reason the frame is dropped. The
  // checks run in this order whatever order the fields came in.
  // `id`: Bybit's "i" as its raw JSON text (empty when absent), or nullptr
  // where the seq is the trade's id (Binance).
  std::optional<BadFrame> add_trade(const Scalar& symbol, const Scalar& price_text, const Scalar& time,
                                    const Scalar& seq, const std::string_view* id = nullptr) {
    if (auto e = symbol.as(string_type)) return classify(e);
    if (auto e = price_text.as(string_type)) return e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e);
    if (auto e = time.as(number_type)) return classify(e);
    if (auto e = seq.as_optional(number_type)) return classify(e);
    double price = 0.0;
    if (!parse_price(price_text.text, price)) return BadFrame::BadPrice;
    if (!real_time(time.number)) return BadFrame::BadTime;
    const auto coin = symbols.find(symbol.text);
    if (!coin) return BadFrame::UnknownSymbol;
    const std::int64_t s = seq.present ? seq.number : 0;
    std::uint64_t trade_id = static_cast<std::uint64_t>(s);
    if (id) {
      if (!id->empty()) {
        trade_id = trade_id_of(*id);
      } else {
        // No "i": the trade's place among this frame's trades of its seq.
        trade_id = 0;
        for (auto it = ticks.rbegin(); it != ticks.rend() && it->seq == s; ++it) ++trade_id;
      }
    }
    ticks.push_back(FeedTick{*coin, price, time.number, s, trade_id});
    return std::nullopt;
  }

  // A quote whose sides are read: the symbol known, each side given a price,
  // and not crossed.
  FrameResult finish_quote(std::string_view symbol) {
    const auto coin = symbols.find(symbol);
    if (!coin) return bad(BadFrame::UnknownSymbol);
    if (quote.bid_change == SideChange::Set && quote.ask_change == SideChange::Set && quote.bid > quote.ask)
      return bad(BadFrame::CrossedQuote);
    quote.coin = *coin;
    return FrameResult{FrameKind::Quote, {}, {}, {}};
  }

  // Bybit's trades, "data":[{...},...]: each element read whole; the first bad
  // one is remembered in `problem` and the walk goes on to check the structure.
  simdjson::error_code read_bybit_trades(od::value& data, std::optional<BadFrame>& problem) {
    od::array elements;
    if (auto e = data.get_array().get(elements)) return problem = classify(e), simdjson::SUCCESS;
    for (auto element : elements) {
      if (auto e = element.error()) return e;
      od::object trade;
      if (auto e = element.get_object().get(trade)) {
        if (!problem) problem = classify(e);
        continue;
      }
      Scalar symbol, price, time, seq;
      std::string_view id;  // "i" as raw JSON: read without unescaping or copying
      if (auto e = walk(trade, [&](Key k, od::value& v) {
            if (k == "s")
              symbol.read(v);
            else if (k == "p")
              price.read(v);
            else if (k == "T")
              time.read(v);
            else if (k == "seq")
              seq.read(v);
            else if (k == "i" && id.empty())
              id = v.raw_json_token();
            return simdjson::SUCCESS;
          }))
        return e;
      if (!problem) problem = add_trade(symbol, price, time, seq, &id);
    }
    if (!problem && ticks.empty()) problem = BadFrame::MissingField;
    return simdjson::SUCCESS;
  }

  // A book side: every [price, size] level is read and checked (a real price;
  // a size that is a finite number >= 0), to its end so the walk can go on.
  static simdjson::error_code read_side(od::value& v, BookSide& side) {
    if (side.present) return simdjson::SUCCESS;
    side.present = true;
    od::array levels;
    if (auto e = v.get_array().get(levels)) return side.problem = classify(e), simdjson::SUCCESS;
    for (auto level : levels) {
      if (auto e = level.error()) return e;
      od::array pair;
      if (auto e = level.get_array().get(pair)) {
        if (!side.problem) side.problem = classify(e);
        continue;
      }
      std::size_t item_no = 0;
      double price = 0.0, size = 0.0;
      for (auto item : pair) {
        if (auto e = item.error()) return e;
        std::string_view text;
        const auto e = item.get_string().get(text);
        const std::size_t n = item_no++;
        if (side.problem || n > 1) continue;
        if (e)
          side.problem = e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e);
        else if (n == 0 && !parse_price(text, price))
          side.problem = BadFrame::BadPrice;
        else if (n == 1 && !(DecimalText::parse(text, size) && std::isfinite(size) && size >= 0.0))
          side.problem = BadFrame::BadPrice;
      }
      if (side.problem) continue;
      if (item_no < 2) {
        side.problem = BadFrame::MissingField;
        continue;
      }
      side.any_level = true;
      if (size > 0.0) {
        if (!side.has_first) side.first = price;
        side.has_first = side.has_last = true;
        side.last = price;
      } else {
        side.has_removed = true;
        side.removed = price;
      }
    }
    return simdjson::SUCCESS;
  }

  struct BybitBook {
    bool is_object = false;
    Scalar symbol, update_id;
    BookSide bid, ask;
  };

  // {"s":..,"b":[[p,q]],"a":[[p,q]],"u":..}
  static simdjson::error_code read_bybit_book(od::value& data, BybitBook& book) {
    od::object object;
    if (data.get_object().get(object)) return simdjson::SUCCESS;  // not an object: not a book
    book.is_object = true;
    return walk(object, [&book](Key k, od::value& v) {
      if (k == "s")
        book.symbol.read(v);
      else if (k == "u")
        book.update_id.read(v);
      else if (k == "b")
        return read_side(v, book.bid);
      else if (k == "a")
        return read_side(v, book.ask);
      return simdjson::SUCCESS;
    });
  }

  FrameResult finish_bybit_book(const BybitBook& book, const Scalar& cts, const Scalar& ts, const Scalar& type) {
    quote = FeedQuote{};
    // cts is the matching engine's time (comparable with a trade's T); ts the system's.
    if (!cts.as(number_type))
      quote.ts_ms = cts.number;
    else if (!ts.as(number_type))
      quote.ts_ms = ts.number;
    if (!book.is_object) return bad(BadFrame::MissingField);
    if (auto e = book.symbol.as(string_type)) return bad(classify(e));
    for (const auto* side : {&book.bid, &book.ask}) {
      if (!side->present) return bad(BadFrame::MissingField);
      if (side->problem) return bad(*side->problem);
    }
    if (auto e = book.update_id.as_optional(number_type)) return bad(classify(e));
    if (auto e = type.as_optional(string_type)) return bad(classify(e));
    if (quote.ts_ms != 0 && !real_time(quote.ts_ms)) return bad(BadFrame::BadTime);
    // protocols.md: level 1 is documented as snapshots only, but recorded
    // streams hold deltas; anything but "delta" replaces the book.
    quote.delta = type.present && type.text == "delta";
    book.bid.change(quote.delta, quote.bid_change, quote.bid);
    book.ask.change(quote.delta, quote.ask_change, quote.ask);
    quote.update_id = book.update_id.present ? book.update_id.number : 0;
    return finish_quote(book.symbol.text);
  }

  // {"topic":"publicTrade.BTCUSDT","ts":..,"data":[{...}]}, {"topic":"orderbook.1.BTCUSDT",..,"data":{...},"cts":..},
  // or a control reply {"success":true,"ret_msg":"subscribe","req_id":"sub-1","op":"subscribe"}.
  // "data" is read by its own type (an array: trades, an object: a book) in
  // the one walk, so its place among the fields does not matter; the topic
  // decides afterwards which reading counts.
  FrameResult parse_bybit(od::object& obj, bool& closed) {
    Scalar topic, op, success, ret_msg, req_id, cts, ts, type;
    bool data_seen = false;
    od::json_type data_type{};
    std::optional<BadFrame> trade_problem;
    BybitBook book;
    const auto e = walk(obj, [&](Key k, od::value& v) -> simdjson::error_code {
      if (k == "data") {
        if (data_seen) return simdjson::SUCCESS;
        data_seen = true;
        if (v.type().get(data_type)) return simdjson::SUCCESS;
        if (data_type == od::json_type::array) return read_bybit_trades(v, trade_problem);
        if (data_type == od::json_type::object) return read_bybit_book(v, book);
        return simdjson::SUCCESS;
      }
      if (k == "topic")
        topic.read(v);
      else if (k == "cts")
        cts.read(v);
      else if (k == "ts")
        ts.read(v);
      else if (k == "type")
        type.read(v);
      else if (k == "op")
        op.read(v);
      else if (k == "success")
        success.read(v);
      else if (k == "ret_msg")
        ret_msg.read(v);
      else if (k == "req_id")
        req_id.read(v);
      return simdjson::SUCCESS;
    });
    if (e) return bad(BadFrame::InvalidJson);
    closed = true;

    if (topic.present) {
      if (auto te = topic.as(string_type)) return bad(classify(te));
      if (topic.text.rfind("orderbook.1.", 0) == 0) {
        if (!data_seen) return bad(BadFrame::MissingField);
        return finish_bybit_book(book, cts, ts, type);
      }
      if (topic.text.rfind("publicTrade.", 0) != 0) return FrameResult{FrameKind::Ignored, {}, {}, {}};
      if (!data_seen) return bad(BadFrame::MissingField);
      if (data_type != od::json_type::array) return bad(BadFrame::MissingField);
      if (trade_problem) return bad(*trade_problem);
      return FrameResult{FrameKind::Trades, {}, {}, {}};
    }
    if (auto oe = op.as(string_type)) return bad(classify(oe));
    if (auto se = success.as_optional(boolean_type)) return bad(classify(se));
    if (auto me = ret_msg.as_optional(string_type)) return bad(classify(me));
    if (auto re = req_id.as_optional(string_type)) return bad(classify(re));
    const bool ok = !success.present || success.flag;
    if (op.text == "subscribe")
      return FrameResult{ok ? FrameKind::SubscribeAck : FrameKind::SubscribeFailed, {}, req_id.text, ret_msg.text};
    if (op.text == "ping" || op.text == "pong") return FrameResult{FrameKind::Pong, {}, req_id.text, ret_msg.text};
    return FrameResult{FrameKind::Ignored, {}, req_id.text, ret_msg.text};
  }

  // {"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}
  FrameResult finish_book_ticker(const BinancePayload& f) {
    quote = FeedQuote{};
    if (auto e = f.symbol.as(string_type)) return bad(classify(e));
    if (auto e = f.b.as(string_type)) return bad(e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e));
    if (auto e = f.a.as(string_type)) return bad(e == simdjson::INCORRECT_TYPE ? BadFrame::BadPrice : classify(e));
    if (auto e = f.update_id.as_optional(number_type)) return bad(classify(e));
    quote.update_id = f.update_id.present ? f.update_id.number : 0;
    if (!parse_price(f.b.text, quote.bid) || !parse_price(f.a.text, quote.ask)) return bad(BadFrame::BadPrice);
    quote.bid_change = quote.ask_change = SideChange::Set;
    return finish_quote(f.symbol.text);
  }

  FrameResult finish_binance_payload(const BinancePayload& f) {
    if (!f.event.present) {
      // Spot bookTicker has no "e" (a raw /ws/ stream); nothing else we subscribe to lacks it.
      if (!f.b.present) return FrameResult{FrameKind::Ignored, {}, {}, {}};
      return finish_book_ticker(f);
    }
    if (auto e = f.event.as(string_type)) return bad(classify(e));
    const std::string_view event = f.event.text;
    if (event == "trade" || event == "aggTrade") {
      if (auto reason = add_trade(f.symbol, f.price, f.time, event == "trade" ? f.trade_id : f.a)) return bad(*reason);
      return FrameResult{FrameKind::Trades, {}, {}, {}};
    }
    if (event == "serverShutdown") return FrameResult{FrameKind::ServerShutdown, {}, {}, {}};
    return FrameResult{FrameKind::Ignored, {}, {}, {}};
  }

  // A combined stream {"stream":"btcusdt@trade","data":{...}}, a raw stream
  // (/ws/<stream>) whose top level is the payload itself, or a reply to
  // SUBSCRIBE: {"result":null,"id":1} / {"error":{"code":2,"msg":"..."},"id":2}.
  FrameResult parse_binance(od::object& obj, bool& closed) {
    Scalar stream, id, error_msg;
    bool data_is_object = false, data_seen = false, error_is_object = false;
    BinancePayload top, data;
    const auto e = walk(obj, [&](Key k, od::value& v) -> simdjson::error_code {
      if (k == "data") {
        if (data_seen) return simdjson::SUCCESS;
        data_seen = true;
        od::object payload;
        if (v.get_object().get(payload)) return simdjson::SUCCESS;
        data_is_object = true;
        return walk(payload, [&data](Key dk, od::value& dv) {
          data.read(dk, dv);
          return simdjson::SUCCESS;
        });
      }
      if (k == "error") {
        od::object error;
        if (error_is_object || v.get_object().get(error)) return simdjson::SUCCESS;
        error_is_object = true;
        return walk(error, [&error_msg](Key ek, od::value& ev) {
          if (ek == "msg") error_msg.read(ev);
          return simdjson::SUCCESS;
        });
      }
      if (k == "stream")
        stream.read(v);
      else if (k == "id")
        id.read(v);
      else
        top.read(k, v);
      return simdjson::SUCCESS;
    });
    if (e) return bad(BadFrame::InvalidJson);
    closed = true;

    if (stream.present) {
      if (auto se = stream.as(string_type)) return bad(classify(se));
      if (!data_is_object) return bad(BadFrame::MissingField);
      const std::string_view name = stream.text;
      const bool book_ticker = name.size() > 11 && name.substr(name.size() - 11) == "@bookTicker";
      return book_ticker ? finish_book_ticker(data) : finish_binance_payload(data);
    }
    if (!id.as(number_type)) {
      const auto [end, ec] = std::to_chars(id_text, id_text + sizeof id_text, id.number);
      (void)ec;
      const std::string_view req_id(id_text, static_cast<std::size_t>(end - id_text));
      if (error_is_object) {
        const std::string_view msg = error_msg.as(string_type) ? std::string_view("(no message)") : error_msg.text;
        return FrameResult{FrameKind::SubscribeFailed, {}, req_id, msg};
      }
      return FrameResult{FrameKind::SubscribeAck, {}, req_id, {}};
    }
    return finish_binance_payload(top);
  }
};

FrameParser::FrameParser(FeedProtocol protocol, const SymbolTable& symbols)
    : protocol_(protocol), impl_(std::make_unique<Impl>(symbols)) {}

FrameParser::~FrameParser() = default;

std::string FrameParser::kernel() {
  return simdjson::get_active_implementation()->name();
}

std::string_view FrameParser::walk_target() {
  return SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);
}

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
  // whatever buffer the frame came in. The padding is zeros: a walk that
  // reaches it meets neither a ',' nor a closing bracket and stops there.
  std::memcpy(m.padded.get(), frame.data(), frame.size());
  std::memset(m.padded.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (m.json.iterate(m.padded.get(), frame.size(), frame.size() + simdjson::SIMDJSON_PADDING).get(doc))
    return bad(BadFrame::InvalidJson);
  // ondemand reads lazily and trusts the structure; every exchange message is
  // an object, so the one walk of the top level to its closing brace (and of
  // every object and array read inside it) is the structure check, and a frame
  // that is not JSON past its useful part (truncated, doubled braces, a missing
  // value, text after the end) is dropped instead of traded on.
  od::object obj;
  if (doc.get_object().get(obj)) return bad(BadFrame::InvalidJson);
  bool closed = false;
  FrameResult r = protocol_ == FeedProtocol::Bybit ? m.parse_bybit(obj, closed) : m.parse_binance(obj, closed);
  // Anything after the top level's closing brace: current_location() is
  // OUT_OF_BOUNDS only when the walk ended at the end of the text.
  if (closed && doc.current_location().error() != simdjson::OUT_OF_BOUNDS) r = bad(BadFrame::InvalidJson);
  if (r.kind == FrameKind::Bad) m.ticks.clear();
  return r;
}

}  // namespace tradingd
