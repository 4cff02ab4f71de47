#include "tradingd/sim/sim_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "tradingd/sim/sim_server.hpp"

namespace tradingd::sim {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

constexpr auto handshake_timeout = std::chrono::seconds(10);
constexpr std::size_t bybit_max_args = 10;
constexpr const char* unknown_symbol = "ZZZUSDT";

enum class Protocol { Bybit, BinanceCombined, BinanceRaw };

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// A Binance stream the sim plays: "btcusdt@trade" (or aggTrade) or "btcusdt@bookTicker".
struct Stream {
  std::string symbol;  // "BTCUSDT"; "" for a stream kind the sim does not play
  bool quote = false;
};
Stream parse_stream(std::string_view stream) {
  const auto at = stream.find('@');
  if (at == std::string_view::npos) return {};
  const auto kind = stream.substr(at + 1);
  if (kind != "trade" && kind != "aggTrade" && kind != "bookTicker") return {};
  return {upper(std::string(stream.substr(0, at))), kind == "bookTicker"};
}

// What a quote frame carries: the good quote, or one of the faults.
enum class QuoteKind { Good, Crossed, ZeroBid, BadBid, OneSided };

template <class Ws>
class WsSimSession final : public SimSession, public std::enable_shared_from_this<WsSimSession<Ws>> {
  static constexpr bool is_tls = std::is_same_v<Ws, TlsWs>;

 public:
  WsSimSession(tcp::socket socket, net::ssl::context* tls, SimServer& server)
      : ws_(make_stream(std::move(socket), tls)),
        server_(server),
        options_(server.options()),
        id_(server.next_connection_id()),
        ping_timer_(ws_.get_executor()),
        close_timer_(ws_.get_executor()),
        close_deadline_(ws_.get_executor()),
        silence_timer_(ws_.get_executor()) {}

  void run() {
    beast::get_lowest_layer(ws_).expires_after(handshake_timeout);
    if constexpr (is_tls) {
      ws_.next_layer().async_handshake(net::ssl::stream_base::server,
                                       [self = this->shared_from_this()](beast::error_code ec) {
                                         if (ec) return self->fail(ec, "TLS handshake");
                                         self->read_request();
                                       });
    } else {
      read_request();
    }
  }

  [[nodiscard]] bool subscribed_any() const override { return open_ && !symbols_.empty(); }
  [[nodiscard]] std::size_t backlog() const override { return outbox_.size(); }
  [[nodiscard]] bool finished() const override { return finished_; }

  bool deliver(std::span<const SimTrade> trades) override {
    if (!open_ || closing_ || trades.empty()) return false;
    if (std::find(symbols_.begin(), symbols_.end(), trades.front().symbol) == symbols_.end()) return false;
    // Silent for a while: the market moves on and this client misses it.
    // Silent for good: the path waits for someone else.
    if (silent_) return options_.silent_for_ms > 0;
    if (options_.close_after && sent_ >= options_.close_after) {
      spdlog::info("#{}: closing after {} messages with code {} (--close-after)", id_, sent_, options_.close_code);
      close_with(static_cast<std::uint16_t>(options_.close_code), "simulated close");
      return false;
    }
    const auto ts = now_ms() - options_.delay_ms + options_.future_ms;
    // The book around this message's price first, so a trade finds its quote.
    const std::uint64_t n = sent_ + 1;
    const SimTrade& first = trades.front();
    if (std::find(quote_symbols_.begin(), quote_symbols_.end(), first.symbol) != quote_symbols_.end() &&
        !(options_.quotes_stop_after && sent_ >= options_.quotes_stop_after) &&
        (first.quote || options_.play.empty())) {
      const SimTrade& t = first;
      send(quote_frame(t, ts, QuoteKind::Good));
      auto every = [n](std::uint64_t k) { return k && n % k == 0; };
      if (every(options_.crossed_quote_every)) send(quote_frame(t, ts, QuoteKind::Crossed));
      if (every(options_.zero_quote_every)) send(quote_frame(t, ts, QuoteKind::ZeroBid));
      if (every(options_.bad_quote_every)) send(quote_frame(t, ts, QuoteKind::BadBid));
      if (every(options_.one_sided_quote_every)) send(quote_frame(t, ts, QuoteKind::OneSided));
    }
    if (!first.trade) {
      ++sent_;  // a quote row of --play: its quote (if this client takes quotes) was the message
      return true;
    }
    if (protocol_ == Protocol::Bybit) {
      send(bybit_frame(trades, ts, nullptr));
    } else {
      for (const auto& t : trades) send(binance_frame(t, ts, nullptr));
    }
    ++sent_;
    inject_faults(trades.front(), ts);
    return true;
  }

  void close() override {
    if (!finished_) close_with(static_cast<std::uint16_t>(websocket::close_code::going_away), "server stopping");
  }

  void abort() override {
    if (finished_) return;
    spdlog::info("#{}: dropped (outage)", id_);
    fail(net::error::operation_aborted, "abort");
  }

 private:
  static Ws make_stream(tcp::socket socket, net::ssl::context* tls) {
    if constexpr (is_tls)
      return Ws(beast::tcp_stream(std::move(socket)), *tls);
    else
      return Ws(beast::tcp_stream(std::move(socket)));
  }

  void fail(beast::error_code ec, const char* step) {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    ping_timer_.cancel();
    close_timer_.cancel();
    close_deadline_.cancel();
    silence_timer_.cancel();
    if (ec != websocket::error::closed && ec != net::error::operation_aborted)
      spdlog::info("#{}: {}: {}", id_, step, ec.message());
    else
      spdlog::info("#{}: connection closed", id_);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void read_request() {
    http::async_read(ws_.next_layer(), buffer_, request_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->fail(ec, "HTTP request");
                       self->on_request();
                     });
  }

  void on_request() {
    const std::string target(request_.target());
    const auto query = target.find('?');
    const std::string path = target.substr(0, query);
    if (path.rfind("/v5/", 0) == 0) {
      protocol_ = Protocol::Bybit;
    } else if (path == "/stream" && query != std::string::npos) {
      protocol_ = Protocol::BinanceCombined;
      const std::string q = target.substr(query + 1);
      if (q.rfind("streams=", 0) == 0) add_streams(q.substr(8));
    } else if (path.rfind("/ws/", 0) == 0) {
      protocol_ = Protocol::BinanceRaw;
      add_streams(path.substr(4));
    } else if (path == "/stream" || path == "/ws") {
      protocol_ = path == "/ws" ? Protocol::BinanceRaw : Protocol::BinanceCombined;
    } else {
      return refuse(http::status::not_found, "exchange-sim serves /v5/public/spot, /stream and /ws/ only\n");
    }
    if (!websocket::is_upgrade(request_)) return refuse(http::status::upgrade_required, "WebSocket only\n");

    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = handshake_timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.async_accept(request_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail(ec, "WebSocket accept");
      self->on_open();
    });
  }

  void refuse(http::status status, const char* body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, request_.version());
    res->set(http::field::content_type, "text/plain");
    res->body() = body;
    res->prepare_payload();
    res->keep_alive(false);
    http::async_write(ws_.next_layer(), *res, [self = this->shared_from_this(), res](beast::error_code, std::size_t) {
      self->fail(net::error::operation_aborted, "refused");
    });
  }

  void add_streams(const std::string& list) {
    for (std::size_t start = 0; start <= list.size();) {
      auto end = list.find('/', start);
      if (end == std::string::npos) end = list.size();
      const Stream stream = parse_stream(std::string_view(list).substr(start, end - start));
      if (!stream.symbol.empty() && server_.listed(stream.symbol)) subscribe(stream.symbol, stream.quote);
      start = end + 1;
    }
  }

  void subscribe(const std::string& symbol, bool quote) {
    auto& list = quote ? quote_symbols_ : symbols_;
    if (std::find(list.begin(), list.end(), symbol) == list.end()) list.push_back(symbol);
  }

  void on_open() {
    open_ = true;
    spdlog::info("#{}: {} client connected ({}), {} symbols", id_, protocol_ == Protocol::Bybit ? "bybit" : "binance",
                 std::string(request_.target()).substr(0, 120), symbols_.size());
    if (protocol_ != Protocol::Bybit && options_.ping_interval_ms > 0) arm_ping();
    if (!writing_ && !outbox_.empty()) write_next();
    read_next();
  }

  void arm_ping() {
    ping_timer_.expires_after(std::chrono::milliseconds(options_.ping_interval_ms));
    ping_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || !self->open_ || self->closing_) return;
      if (self->silent_) return self->arm_ping();  // no ping while silent; maybe later
      self->ws_.async_ping({}, [self](beast::error_code e) {
        if (!e) self->arm_ping();
      });
    });
  }

  void read_next() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail(ec, "read");
      self->on_message(beast::buffers_to_string(self->in_.data()));
      self->in_.consume(self->in_.size());
      self->read_next();
    });
  }

  void on_message(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return;
    if (protocol_ == Protocol::Bybit) return on_bybit_request(j);
    on_binance_request(j);
  }

  void on_bybit_request(const nlohmann::json& j) {
    const std::string op = j.value("op", "");
    nlohmann::json reply = {{"conn_id", "sim-" + std::to_string(id_)}, {"op", op}};
    if (j.contains("req_id")) reply["req_id"] = j["req_id"];
    if (op == "ping") {
      if (silent_ || options_.no_pong) return;
      reply["success"] = true;
      reply["ret_msg"] = "pong";
      return send(reply.dump());
    }
    if (op != "subscribe") {
      reply["success"] = false;
      reply["ret_msg"] = "unsupported op: " + op;
      return send(reply.dump());
    }
    const auto args = j.value("args", nlohmann::json::array());
    if (args.size() > bybit_max_args) {
      reply["success"] = false;
      reply["ret_msg"] = "args size >10";
      return send(reply.dump());
    }
    std::vector<std::string> invalid;
    for (const auto& a : args) {
      const std::string topic = a.is_string() ? a.get<std::string>() : std::string();
      const bool quote = topic.rfind("orderbook.1.", 0) == 0;
      const std::string symbol = topic.rfind("publicTrade.", 0) == 0 ? topic.substr(12)
                                 : quote                             ? topic.substr(12)
                                                                     : std::string();
      if (!symbol.empty() && server_.listed(symbol))
        subscribe(symbol, quote);
      else
        invalid.push_back(topic);
    }
    reply["success"] = invalid.empty();
    if (invalid.empty()) {
      reply["ret_msg"] = "subscribe";
    } else {
      std::string msg = "Invalid symbol :[";
      for (std::size_t i = 0; i < invalid.size(); ++i) msg += (i ? "," : "") + invalid[i];
      reply["ret_msg"] = msg + "]";
    }
    send(reply.dump());
  }

  void on_binance_request(const nlohmann::json& j) {
    const auto id = j.contains("id") ? j["id"] : nlohmann::json(nullptr);
    if (j.value("method", "") != "SUBSCRIBE" || !j.contains("params") || !j["params"].is_array()) {
      return send(
          nlohmann::json{{"error", {{"code", 2}, {"msg", "Invalid request: unsupported method"}}}, {"id", id}}.dump());
    }
    for (const auto& p : j["params"]) {
      const Stream stream = p.is_string() ? parse_stream(p.get<std::string>()) : Stream{};
      if (stream.symbol.empty() || !server_.listed(stream.symbol))
        return send(
            nlohmann::json{{"error", {{"code", 2}, {"msg", "Invalid request: invalid stream"}}}, {"id", id}}.dump());
    }
    for (const auto& p : j["params"]) {
      const Stream stream = parse_stream(p.get<std::string>());
      subscribe(stream.symbol, stream.quote);
    }
    send(nlohmann::json{{"result", nullptr}, {"id", id}}.dump());
  }

  // Real frames: Bybit prices as the shortest decimal, Binance's padded to 8 places.
  std::string bybit_frame(std::span<const SimTrade> trades, std::int64_t ts, const char* price_override,
                          const char* symbol_override = nullptr) {
    const std::string symbol = symbol_override ? symbol_override : trades.front().symbol;
    std::string out = fmt::format(R"({{"topic":"publicTrade.{}","ts":{},"type":"snapshot","data":[)", symbol, ts);
    for (std::size_t i = 0; i < trades.size(); ++i) {
      const auto id = trades[i].id;
      const std::string price = price_override ? std::string(price_override) : fmt::format("{}", trades[i].price);
      out +=
          fmt::format(R"({}{{"i":"{}","T":{},"p":"{}","v":"0.01","S":"{}","s":"{}","seq":{},"BT":false,"RPI":false}})",
                      i ? "," : "", 2290000000000000000ULL + id, ts, price, id % 2 ? "Buy" : "Sell", symbol,
                      89200000000ULL + id / static_cast<std::uint64_t>(options_.trades_per_seq));
    }
    return out + "]}";
  }

  std::string binance_frame(const SimTrade& t, std::int64_t ts, const char* price_override,
                            const char* symbol_override = nullptr) {
    const std::string symbol = symbol_override ? symbol_override : t.symbol;
    const auto id = t.id;
    const std::string price = price_override ? std::string(price_override) : fmt::format("{:.8f}", t.price);
    const std::string payload =
        fmt::format(R"({{"e":"trade","E":{},"s":"{}","t":{},"p":"{}","q":"0.01000000","T":{},"m":{},"M":true}})", ts,
                    symbol, id, price, ts, id % 2 ? "true" : "false");
    if (protocol_ == Protocol::BinanceRaw) return payload;
    return fmt::format(R"({{"stream":"{}@trade","data":{}}})", lower(symbol), payload);
  }

  // A best bid/ask around `t`'s price, spread_bps apart, in the exchange's
  // shape: Bybit orderbook.1 (shortest decimals, [price, size] levels) or
  // Binance bookTicker (padded to 8 decimals; no event time on spot).
  std::string quote_frame(const SimTrade& t, std::int64_t ts, QuoteKind kind) {
    const double half = options_.spread_bps / 2.0 / 10'000.0;
    double bid = t.price * (1.0 - half), ask = t.price * (1.0 + half);
    if (t.quote) {  // --play: the data's own best bid and ask
      bid = t.bid;
      ask = t.ask;
    }
    if (kind == QuoteKind::Crossed) {  // the bid above the ask, even with no spread
      std::swap(bid, ask);
      bid *= 1.001;
    }
    const bool bybit = protocol_ == Protocol::Bybit;
    auto text = [bybit](double v) { return bybit ? fmt::format("{}", v) : fmt::format("{:.8f}", v); };
    std::string bid_text = text(bid), ask_text = text(ask);
    if (kind == QuoteKind::ZeroBid) bid_text = bybit ? "0" : "0.00000000";
    if (kind == QuoteKind::BadBid) bid_text = "abc";
    const bool one_sided = kind == QuoteKind::OneSided || (t.quote && !t.has_ask);
    if (t.quote && !t.has_bid) bid_text.clear();  // an empty side, as the data has it
    if (bybit) {
      const std::string ask_level = one_sided ? std::string() : fmt::format(R"(["{}","2.5"])", ask_text);
      std::string type = "snapshot",
                  bid_side = bid_text.empty() ? std::string() : fmt::format(R"(["{}","1.5"])", bid_text),
                  ask_side = ask_level;
      if (options_.bybit_deltas) {
        // The book this connection was last told (a snapshot first). Fault
        // quotes other than one-sided ones are dropped by a client, so they
        // leave it as it was.
        SimBook& book = books_[t.symbol];
        const bool counts = kind == QuoteKind::Good || kind == QuoteKind::OneSided;
        const std::string new_ask = one_sided ? std::string() : ask_text;
        if (book.sent) {
          type = "delta";
          // A side as the order-book rule has it: [] unchanged, the old level
          // removed with size "0" and the new one given.
          const auto side = [](const std::string& before, const std::string& now, const char* size) {
            if (before == now) return std::string();
            std::string levels;
            if (!before.empty()) levels = fmt::format(R"(["{}","0"])", before);
            if (!now.empty()) levels += fmt::format(R"({}["{}","{}"])", levels.empty() ? "" : ",", now, size);
            return levels;
          };
          bid_side = side(book.bid, bid_text, "1.5");
          ask_side = side(book.ask, new_ask, "2.5");
        }
        if (counts) book = SimBook{true, bid_text, new_ask};
      }
      return fmt::format(
          R"({{"topic":"orderbook.1.{}","ts":{},"type":"{}","data":{{"s":"{}","b":[{}],"a":[{}],"u":{},"seq":{}}},"cts":{}}})",
          t.symbol, ts, type, t.symbol, bid_side, ask_side, t.id, 7961638724ULL + t.id, ts);
    }
    if (one_sided) ask_text.clear();
    const std::string payload =
        fmt::format(R"({{"u":{},"s":"{}","b":"{}","B":"1.50000000","a":"{}","A":"2.50000000"}})", t.id, t.symbol,
                    bid_text, ask_text);
    if (protocol_ == Protocol::BinanceRaw) return payload;
    return fmt::format(R"({{"stream":"{}@bookTicker","data":{}}})", lower(t.symbol), payload);
  }

  std::string frame(const SimTrade& t, std::int64_t ts, const char* price, const char* symbol) {
    return protocol_ == Protocol::Bybit ? bybit_frame(std::span(&t, 1), ts, price, symbol)
                                        : binance_frame(t, ts, price, symbol);
  }

  void inject_faults(const SimTrade& t, std::int64_t ts) {
    if (options_.malformed_every && sent_ % options_.malformed_every == 0) {
      std::string f = frame(t, ts, nullptr, nullptr);
      send(f.substr(0, f.size() / 2));  // cut mid-way: not JSON
    }
    if (options_.bad_price_every && sent_ % options_.bad_price_every == 0) send(frame(t, ts, "abc", nullptr));
    if (options_.unknown_symbol_every && sent_ % options_.unknown_symbol_every == 0)
      send(frame(t, ts, nullptr, unknown_symbol));
    if (options_.silent_after && sent_ == options_.silent_after) {
      spdlog::info("#{}: going silent after {} messages (--silent-after){}", id_, sent_,
                   options_.silent_for_ms ? fmt::format(" for {} ms", options_.silent_for_ms) : std::string());
      silent_ = true;
      if (options_.silent_for_ms) {
        silence_timer_.expires_after(std::chrono::milliseconds(options_.silent_for_ms));
        silence_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
          if (ec) return;
          spdlog::info("#{}: speaking again", self->id_);
          self->silent_ = false;
        });
      }
    }
    if (options_.shutdown_after && sent_ == options_.shutdown_after && protocol_ != Protocol::Bybit) {
      spdlog::info("#{}: sending serverShutdown after {} messages (--shutdown-after)", id_, sent_);
      const std::string payload = fmt::format(R"({{"e":"serverShutdown","E":{}}})", ts);
      send(protocol_ == Protocol::BinanceRaw ? payload
                                             : fmt::format(R"({{"stream":"!serverShutdown","data":{}}})", payload));
      close_timer_.expires_after(std::chrono::seconds(1));
      close_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->close_with(static_cast<std::uint16_t>(websocket::close_code::going_away), "server shutdown");
      });
    }
  }

  void send(std::string text) {
    if (finished_ || closing_) return;
    outbox_.push_back(std::move(text));
    if (open_ && !writing_) write_next();  // else on_write sends it: one write in flight
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front()), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail(ec, "write");
      self->writing_ = false;
      self->outbox_.pop_front();
      if (!self->outbox_.empty())
        self->write_next();
      else if (self->closing_)
        self->do_close();
    });
  }

  void close_with(std::uint16_t code, const char* reason) {
    if (finished_ || closing_) return;
    closing_ = true;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!open_) return fail(net::error::operation_aborted, "close");
    if (outbox_.empty()) do_close();  // else after the last queued frame
  }

  void do_close() {
    // Bounded by a timer of our own, not the stream's expiry: that may not
    // change while a read and a write (a ping in flight) are both pending.
    close_deadline_.expires_after(std::chrono::seconds(2));
    close_deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(self->ws_).close();
    });
    ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code) {
      self->close_deadline_.cancel();
      self->fail(websocket::error::closed, "close");
    });
  }

  Ws ws_;
  SimServer& server_;
  const SimOptions& options_;
  const std::uint64_t id_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  beast::flat_buffer in_;
  net::steady_timer ping_timer_;
  net::steady_timer close_timer_;
  net::steady_timer close_deadline_;  // bounds a clean close
  net::steady_timer silence_timer_;
  std::deque<std::string> outbox_;
  websocket::close_reason close_reason_;
  Protocol protocol_ = Protocol::Bybit;
  std::vector<std::string> symbols_;        // subscribed trades
  std::vector<std::string> quote_symbols_;  // subscribed quotes
  // --bybit-deltas: per symbol, the level-1 book this client was last sent.
  struct SimBook {
    bool sent = false;
    std::string bid, ask;  // a level's price text; "" for an empty side
  };
  std::map<std::string, SimBook> books_;
  std::uint64_t sent_ = 0;
  bool open_ = false;
  bool writing_ = false;  // a write is in flight: Beast allows one
  bool closing_ = false;
  bool silent_ = false;
  bool finished_ = false;
};

}  // namespace

std::shared_ptr<SimSession> SimSession::start(tcp::socket socket, net::ssl::context* tls, SimServer& server) {
  std::shared_ptr<SimSession> s;
  if (tls) {
    auto t = std::make_shared<WsSimSession<TlsWs>>(std::move(socket), tls, server);
    t->run();
    s = t;
  } else {
    auto p = std::make_shared<WsSimSession<PlainWs>>(std::move(socket), nullptr, server);
    p->run();
    s = p;
  }
  return s;
}

}  // namespace tradingd::sim
