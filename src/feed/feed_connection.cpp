#include "tradingd/feed/feed_connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <type_traits>

#include "tradingd/config/settings.hpp"
#include "tradingd/feed/frame_parser.hpp"

namespace tradingd {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr auto connect_timeout = std::chrono::seconds(10);
constexpr auto close_timeout = std::chrono::seconds(2);

// The io_context's own executor type rather than beast::tcp_stream's
// type-erased any_io_executor: every read completion copied and destroyed
// those (~6 % of tradingd in perf over wss).
using FeedTcp = beast::basic_stream<tcp, net::io_context::executor_type>;
using PlainWs = websocket::stream<FeedTcp>;
using TlsWs = websocket::stream<beast::ssl_stream<FeedTcp>>;

template <class Ws>
class WsConnection final : public FeedConnection, public std::enable_shared_from_this<WsConnection<Ws>> {
  static constexpr bool is_tls = std::is_same_v<Ws, TlsWs>;

 public:
  WsConnection(net::io_context& io, FeedUrl url, std::shared_ptr<ssl::context> tls, Handler& handler)
      : url_(std::move(url)),
        tls_(std::move(tls)),
        resolver_(io),
        close_timer_(io),
        ws_(make_stream(io, tls_.get())),
        handler_(&handler) {}

  void run() {
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = this->shared_from_this()](beast::error_code ec, auto results) { self->on_resolve(ec, results); });
  }

  void send(std::string text) override {
    outbox_.push_back(std::move(text));
    if (open_ && !writing_) write_next();  // else on_write sends it: one write in flight
  }

  void close() override {
    if (!handler_) return;
    handler_ = nullptr;
    resolver_.cancel();
    if (open_) {
      // A clean close is polite to the exchange, bounded so shutdown never
      // waits on it. The bound is a timer of our own: the stream's expiry may
      // not change while a read and a write are both pending (Beast asserts
      // it; the soak under ASan, a debug build, hit it on a connection closed
      // with a ping in flight), and here the read always is.
      close_timer_.expires_after(close_timeout);
      close_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) beast::get_lowest_layer(self->ws_).close();  // no answer in time: cut it
      });
      ws_.async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code) {
        self->close_timer_.cancel();
        beast::get_lowest_layer(self->ws_).close();
      });
    } else {
      beast::get_lowest_layer(ws_).close();
    }
  }

 private:
  static Ws make_stream(net::io_context& io, ssl::context* tls) {
    if constexpr (is_tls)
      return Ws(io, *tls);
    else
      return Ws(io);
  }

  void fail(beast::error_code ec, const char* step) {
    if (!handler_) return;  // closed by the owner: nobody to tell
    std::string reason = std::string(step) + ": " + ec.message();
    if constexpr (is_tls) {
      // "certificate verify failed" alone does not say what to fix; the
      // verifier's own reason does (self-signed, unknown issuer, host name).
      if (std::string_view(step) == "TLS handshake") {
        const long verify = SSL_get_verify_result(ws_.next_layer().native_handle());
        if (verify != X509_V_OK) reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      }
    }
    if (ec == websocket::error::closed) {
      const auto& cr = ws_.reason();
      reason = "closed by the server (code " + std::to_string(cr.code) +
               (cr.reason.empty() ? std::string(")") : ", " + std::string(cr.reason.c_str()) + ")");
    }
    Handler* h = handler_;
    handler_ = nullptr;
    beast::get_lowest_layer(ws_).close();
    h->on_closed(reason);
  }

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail(ec, "resolve");
    beast::get_lowest_layer(ws_).expires_after(connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        results, [self = this->shared_from_this()](beast::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail(ec, "connect");
    if (!handler_) return;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
    if constexpr (is_tls) {
      auto& tls_stream = ws_.next_layer();
      // SNI carries the host name without the port (never an IP literal, RFC
      // 6066); the verifier checks the certificate against the same name or
      // address. SSL_ctrl is what the SSL_set_tlsext_host_name macro expands to.
      beast::error_code not_ip;
      net::ip::make_address(url_.host, not_ip);
      if (not_ip && !SSL_ctrl(tls_stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                              const_cast<char*>(url_.host.c_str())))
        return fail(beast::error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()), "SNI");
      tls_stream.set_verify_callback(ssl::host_name_verification(url_.host));
      beast::get_lowest_layer(ws_).expires_after(connect_timeout);
      tls_stream.async_handshake(ssl::stream_base::client,
                                 [self = this->shared_from_this()](beast::error_code e) { self->on_ssl_handshake(e); });
    } else {
      on_ssl_handshake({});
    }
  }

  void on_ssl_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "TLS handshake");
    if (!handler_) return;
    // From here Beast's own timers apply: handshake bounded, no idle timeout
    // (dead-link detection belongs to MarketFeed, which knows the protocol).
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = connect_timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.read_message_max(FrameParser::max_frame_bytes);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
      if (handler_) handler_->on_control_frame();
    });
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "tradingd/" TRADINGD_VERSION); }));
    const std::string host = url_.host + ":" + url_.port;
    ws_.async_handshake(host, url_.target,
                        [self = this->shared_from_this()](beast::error_code e) { self->on_handshake(e); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "WebSocket handshake");
    if (!handler_) return;
    open_ = true;
    handler_->on_open();
    if (!writing_ && !outbox_.empty()) write_next();
    read_next();
  }

  void read_next() {
    ws_.async_read(buffer_,
                   [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec, "read");
    if (!handler_) return;
    const auto data = buffer_.cdata();
    if (ws_.got_text()) handler_->on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (handler_) read_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail(ec, "write");
    writing_ = false;
    outbox_.pop_front();
    if (handler_ && !outbox_.empty()) write_next();
  }

  FeedUrl url_;
  std::shared_ptr<ssl::context> tls_;  // outlives the stream that uses it
  tcp::resolver resolver_;
  net::steady_timer close_timer_;  // bounds a clean close
  Ws ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  Handler* handler_;  // nullptr once closed: no more calls out
  bool open_ = false;
  bool writing_ = false;  // a write is in flight: Beast allows one
};

}  // namespace

std::shared_ptr<ssl::context> FeedConnection::make_tls_context(const TlsSettings& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_default_verify_paths();
  if (!tls.ca_file.empty()) {
    beast::error_code ec;
    ctx->load_verify_file(tls.ca_file.string(), ec);
    if (ec) throw std::runtime_error("[tls] ca_file " + tls.ca_file.string() + ": cannot load: " + ec.message());
  }
  ctx->set_verify_mode(tls.verify ? ssl::verify_peer : ssl::verify_none);
  return ctx;
}

std::shared_ptr<FeedConnection> FeedConnection::open(net::io_context& io, const FeedUrl& url,
                                                     std::shared_ptr<ssl::context> tls, Handler& handler) {
  if (url.tls) {
    if (!tls) throw std::logic_error("wss:// needs a TLS context");
    auto c = std::make_shared<WsConnection<TlsWs>>(io, url, std::move(tls), handler);
    c->run();
    return c;
  }
  auto c = std::make_shared<WsConnection<PlainWs>>(io, url, nullptr, handler);
  c->run();
  return c;
}

}  // namespace tradingd
