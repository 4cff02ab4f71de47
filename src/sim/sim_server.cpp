#include "tradingd/sim/sim_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

#include "tradingd/sim/sim_certificate.hpp"
#include "tradingd/sim/sim_session.hpp"

namespace tradingd::sim {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// As fast as clients read: a few hundred frames a turn, then a pause while
// any client has this many frames still unwritten.
constexpr std::size_t fast_batch = 256;
constexpr std::size_t max_backlog = 512;
constexpr auto idle_poll = std::chrono::milliseconds(5);

}  // namespace

SimServer::SimServer(net::io_context& io, const SimOptions& options, PricePath path, const SimCertificate* cert)
    : options_(options), path_(std::move(path)), acceptor_(io), timer_(io), refuse_timer_(io) {
  if (options_.tls) {
    if (!cert) throw std::logic_error("TLS needs a certificate");
    tls_ = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
    tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3);
    tls_->use_certificate_chain(net::buffer(cert->cert_pem));
    tls_->use_private_key(net::buffer(cert->key_pem), net::ssl::context::pem);
  }
  boost::system::error_code ec;
  const auto address = net::ip::make_address(options_.listen, ec);
  if (ec) throw std::runtime_error("--listen " + options_.listen + ": " + ec.message());
  endpoint_ = tcp::endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint_.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint_, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + options_.listen + ":" + std::to_string(options_.port) + ": " +
                             ec.message());
  acceptor_.listen();
  endpoint_ = acceptor_.local_endpoint();  // the port actually bound, to listen on again after a refusal
}

void SimServer::listen() {
  boost::system::error_code ec;
  acceptor_.open(endpoint_.protocol(), ec);
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  acceptor_.bind(endpoint_, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    spdlog::error("cannot listen again on port {}: {}; retrying", endpoint_.port(), ec.message());
    acceptor_.close(ec);
    refuse_timer_.expires_after(std::chrono::milliseconds(100));
    refuse_timer_.async_wait([this](const boost::system::error_code& e) {
      if (!e && running_) listen();
    });
    return;
  }
  spdlog::info("accepting connections again");
  accept();
}

void SimServer::refuse_connections(std::chrono::milliseconds how_long) {
  spdlog::info("refusing connections for {} ms", how_long.count());
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  refuse_timer_.expires_after(how_long);
  refuse_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && running_) listen();
  });
}

SimServer::~SimServer() = default;

std::string SimServer::url() const {
  const auto& ep = endpoint_;
  const std::string host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  return std::string(options_.tls ? "wss://" : "ws://") + host + ":" + std::to_string(ep.port());
}

bool SimServer::listed(std::string_view symbol) const {
  const auto& s = path_.symbols();
  return std::find(s.begin(), s.end(), symbol) != s.end();
}

void SimServer::start() {
  running_ = true;
  if (options_.refuse_for_ms > 0)
    refuse_connections(std::chrono::milliseconds(options_.refuse_for_ms));
  else
    accept();
  next_due_ = std::chrono::steady_clock::now();
  schedule(std::chrono::milliseconds(0));
}

void SimServer::stop() {
  running_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  timer_.cancel();
  refuse_timer_.cancel();
  for (auto& s : sessions_) s->close();
  sessions_.clear();
}

void SimServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (!running_ || !acceptor_.is_open()) return;  // stopped, or refusing for a while
    if (!ec) sessions_.push_back(SimSession::start(std::move(socket), tls_.get(), *this));
    accept();
  });
}

void SimServer::schedule(std::chrono::steady_clock::duration delay) {
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && running_) step();
  });
}

void SimServer::step() {
  std::erase_if(sessions_, [](const auto& s) { return s->finished(); });
  const auto now = std::chrono::steady_clock::now();
  const bool anyone =
      std::any_of(sessions_.begin(), sessions_.end(), [](const auto& s) { return s->subscribed_any(); });
  if (!anyone) {
    next_due_ = now;  // the path waits for a client; no burst of catch-up afterwards
    play_started_ = false;
    return schedule(idle_poll);
  }
  const bool playing = path_.playing();
  const bool fast = playing ? options_.speed <= 0 : options_.rate <= 0;
  std::size_t turns = fast || playing ? fast_batch : 0;
  if (!fast && !playing) {
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / options_.rate));
    while (next_due_ <= now && turns < fast_batch) {
      next_due_ += period;
      ++turns;
    }
  }
  for (std::size_t i = 0; i < turns; ++i) {
    if (fast &&
        std::any_of(sessions_.begin(), sessions_.end(), [](const auto& s) { return s->backlog() > max_backlog; }))
      break;
    // One message: up to trades_per_frame consecutive trades of one symbol.
    batch_.clear();
    const SimTrade* t = path_.peek();
    if (!t) {
      if (!finished_reported_) {
        spdlog::info("path finished after {} trades", path_.played());
        finished_reported_ = true;
      }
      return schedule(idle_poll * 20);
    }
    if (playing && !fast) {
      // --play: each row at its own time, the first row's time now, scaled by --speed.
      if (!play_started_) {
        play_started_ = true;
        play_origin_wall_ = std::chrono::steady_clock::now();
        play_origin_ms_ = t->ts_ms;
      }
      const auto due = play_origin_wall_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               std::chrono::duration<double, std::milli>(
                                                   static_cast<double>(t->ts_ms - play_origin_ms_) / options_.speed));
      next_due_ = due;
      if (due > std::chrono::steady_clock::now()) break;
    }
    // Peek ahead without taking: the path moves only if some client took the batch.
    // Played rows share a frame only when they are trades of one symbol at one time.
    for (std::size_t k = 0;
         t && batch_.size() < static_cast<std::size_t>(options_.trades_per_frame) &&
         (batch_.empty() || (t->symbol == batch_.front().symbol &&
                             (!playing || (t->trade && !t->quote && batch_.front().trade && !batch_.front().quote &&
                                           t->ts_ms == batch_.front().ts_ms))));
         t = path_.peek(++k))
      batch_.push_back(*t);
    bool taken = false;
    for (auto& s : sessions_) taken = s->deliver(batch_) || taken;
    if (!taken) break;  // nobody took it (all closing or silent): hold the path
    for (std::size_t k = 0; k < batch_.size(); ++k) {
      path_.advance();
      // Progress a test can wait for, instead of the wall clock.
      if (options_.progress_every && path_.played() % options_.progress_every == 0)
        spdlog::info("progress: {} trades played", path_.played());
    }
    if (options_.outage_after && !outage_done_ && path_.played() >= options_.outage_after) {
      outage_done_ = true;
      spdlog::info("outage after {} messages: dropping {} clients", path_.played(), sessions_.size());
      for (auto& s : sessions_) s->abort();
      sessions_.clear();
      refuse_connections(std::chrono::milliseconds(options_.outage_ms));
      break;
    }
  }
  if (fast) return schedule(std::chrono::microseconds(200));
  if (playing) next_due_ = std::max(next_due_, now);
  schedule(std::max(next_due_ - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0)));
}

}  // namespace tradingd::sim
