#include "tradingd/api/control_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "tradingd/api/api_router.hpp"
#include "tradingd/api/control_target.hpp"
#include "tradingd/api/event_stream.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/clock.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/journal/trade_journal.hpp"

namespace tradingd {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto request_timeout = std::chrono::seconds(10);

class Session;

}  // namespace

struct ControlApi::Impl {
  Impl(net::io_context& io_context, const ApiSettings& api, ControlTarget& sys, std::string token)
      : io(io_context),
        settings(api),
        system(sys),
        router(sys, std::move(token)),
        acceptor(io_context),
        blocking(1),
        events(io_context, blocking, sys.settings().storage.db_path, sys.journal().last_event_seq()) {
    router.attach_events(&events);
  }

  net::io_context& io;
  const ApiSettings& settings;
  ControlTarget& system;
  ApiRouter router;
  tcp::acceptor acceptor;
  net::thread_pool blocking;  // journal reads for GET /trades and event replays
  EventStream events;         // GET /events
  std::size_t connections = 0;
  std::vector<std::weak_ptr<Session>> sessions;  // closed at stop(), so run() can return
  bool running = false;

  void accept();
};

namespace {

// One client connection: read a request, answer it, again while kept alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ControlApi::Impl& api) : stream_(std::move(socket)), api_(api) { ++api_.connections; }
  ~Session() { --api_.connections; }

  void run() { read(); }
  // At stop(): closed now, or once the answer being written is out (the
  // answer to POST /clock/finish is written as the daemon stops).
  void stop() {
    stopping_ = true;
    if (!writing_) close();
  }

  void refuse_busy() { send(ApiResponse::refusal(503, "too many connections"), 11, false); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(ControlApi::max_header_bytes);
    parser_->body_limit(ControlApi::max_body_bytes);
    stream_.expires_after(request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout)
      return close();
    if (ec == http::error::body_limit) return send(ApiResponse::refusal(413, "request body over 64 KiB"), 11, false);
    if (ec == http::error::header_limit)
      return send(ApiResponse::refusal(431, "request headers over 8 KiB"), 11, false);
    if (ec) return send(ApiResponse::refusal(400, "malformed HTTP request"), 11, false);

    const auto& req = parser_->get();
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view method(req.method_string().data(), req.method_string().size());
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    auto matched = api_.router.route(method, target, std::string_view(req[http::field::authorization]));
    if (auto* refused = std::get_if<ApiResponse>(&matched)) return send(std::move(*refused), version, keep_alive);
    auto& m = std::get<RouteMatch>(matched);
    switch (m.route->runs) {
      case RunsOn::WebSocket:
        return subscribe(m.call.query);
      case RunsOn::HelperThread:
        return answer_off_thread(std::move(m.call.query), version, keep_alive);
      case RunsOn::Later:
        m.call.body = req.body();
        // Answered when the daemon has done it; nothing else is read meanwhile.
        return api_.router.handle_later(m, [self = shared_from_this(), version, keep_alive](ApiResponse r) {
          self->send(std::move(r), version, keep_alive);
        });
      case RunsOn::IoThread:
        break;
    }
    m.call.body = req.body();
    ApiResponse r;
    try {
      r = api_.router.handle(m);
    } catch (const std::exception& e) {
      spdlog::error("API: {} {} failed: {}", TextGuard::printable(method, 20), TextGuard::printable(target, 200),
                    e.what());
      r = ApiResponse::refusal(500, e.what());
    }
    send(std::move(r), version, keep_alive);
  }

  // GET /trades: the journal is on disk, so it is read on the helper thread and answered here.
  void answer_off_thread(QueryString query, unsigned version, bool keep_alive) {
    const auto db = api_.system.settings().storage.db_path;
    // "The last N hours" by the daemon's clock (read here, on the io thread), as every other answer.
    const std::int64_t now = api_.system.clock().now_ms();
    net::post(api_.blocking, [self = shared_from_this(), db, query = std::move(query), version, keep_alive, now] {
      ApiResponse r;
      try {
        r = ApiRouter::trades(db, query, now);
      } catch (const std::exception& e) {
        r = ApiResponse::refusal(500, e.what());
      }
      net::post(self->api_.io, [self, r = std::move(r), version, keep_alive]() mutable {
        self->send(std::move(r), version, keep_alive);
      });
    });
  }

  // GET /events: a WebSocket upgrade handed to EventStream, or the reason not.
  void subscribe(const QueryString& query) {
    const auto& req = parser_->get();
    const unsigned version = req.version();
    auto sub = api_.events.subscription(query);
    if (auto* refused = std::get_if<ApiResponse>(&sub)) return send(std::move(*refused), version, false);
    if (!beast::websocket::is_upgrade(req)) return send(ApiRouter::not_upgraded(), version, false);
    if (api_.events.full()) return send(ApiResponse::refusal(503, "too many event subscribers"), version, false);
    stream_.expires_never();
    api_.events.accept(stream_.release_socket(), parser_->release(), std::get<EventSubscription>(std::move(sub)));
  }

  void send(ApiResponse r, unsigned version, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version);
    res->set(http::field::server, "tradingd/" TRADINGD_VERSION);
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    if (!r.allow.empty()) res->set(http::field::allow, r.allow);
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    if (!stream_.socket().is_open()) return;  // closed while the answer was being made
    api_.router.count_answer(r.status);
    stream_.expires_after(request_timeout);
    writing_ = true;
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec || !res->keep_alive() || self->stopping_) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    if (!stream_.socket().is_open()) return;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  ControlApi::Impl& api_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool writing_ = false;   // an answer is being written
  bool stopping_ = false;  // ControlApi::stop(): close after it
};

}  // namespace

void ControlApi::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (!running || !acceptor.is_open()) return;
    if (!ec) {
      // Responses go out as header and body segments: without this, Nagle
      // holds the second until the client's delayed ACK (40 ms a request).
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto session = std::make_shared<Session>(std::move(socket), *this);
      std::erase_if(sessions, [](const auto& w) { return w.expired(); });
      sessions.push_back(session);
      if (connections > max_connections)
        session->refuse_busy();
      else
        session->run();
    }
    accept();
  });
}

ControlApi::ControlApi(net::io_context& io, const ApiSettings& settings, ControlTarget& system, std::string token)
    : impl_(std::make_unique<Impl>(io, settings, system, std::move(token))) {
  beast::error_code ec;
  const auto address = net::ip::make_address(settings.listen, ec);
  if (ec) throw std::runtime_error("[api] listen " + settings.listen + ": not an IP address");
  if (!address.is_loopback() && impl_->router.read_only())
    throw std::runtime_error("[api] listen " + settings.listen + " is not loopback and $" + settings.token_env +
                             " is not set: refusing to expose the API without a token");
  auto& a = impl_->acceptor;
  const tcp::endpoint ep(address, static_cast<unsigned short>(settings.port));
  a.open(ep.protocol());
  a.set_option(net::socket_base::reuse_address(true));
  a.bind(ep, ec);
  if (ec)
    throw std::runtime_error("[api] cannot listen on " + settings.listen + ":" + std::to_string(settings.port) + ": " +
                             ec.message());
  a.listen();
}

ControlApi::~ControlApi() {
  if (impl_) impl_->blocking.join();
}

unsigned short ControlApi::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void ControlApi::start() {
  impl_->running = true;
  impl_->accept();
  spdlog::info("Control API on http://{}:{} ({})", impl_->settings.listen, port(),
               impl_->router.read_only() ? "read-only: $" + impl_->settings.token_env + " is not set"
                                         : "mutations need the token in $" + impl_->settings.token_env);
}

void ControlApi::publish_events(std::vector<JournalEvent>&& events, std::int64_t last_seq) {
  impl_->events.publish(std::move(events), last_seq);
}

void ControlApi::stop() {
  impl_->running = false;
  impl_->events.stop();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& w : impl_->sessions)
    if (auto s = w.lock()) s->stop();
}

}  // namespace tradingd
