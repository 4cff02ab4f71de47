#pragma once
// EventsClient: a GET /events subscriber for integration tests, a real
// WebSocket client (Beast, blocking) on its own thread. Messages are parsed as
// they arrive and kept in order; next() waits for the following one. Beast in
// a test header: only the event-stream tests include it.

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

namespace tradingd::test {

class EventsClient {
 public:
  struct Options {
    int receive_buffer = 0;  // SO_RCVBUF before connecting; 0: the system's
    bool paused = false;     // connect, then read nothing until resume()
    // Called on the reading thread as each message arrives, before it is
    // queued: what must already hold when a message comes is checked here.
    std::function<void(const nlohmann::json&)> on_message;
  };

  // Connects and completes the handshake; throws if the daemon refuses it.
  EventsClient(unsigned short port, const std::string& target, Options options)
      : ws_(io_), on_message_(std::move(options.on_message)), paused_(options.paused) {
    namespace net = boost::asio;
    auto& sock = ws_.next_layer();
    sock.open(net::ip::tcp::v4());
    if (options.receive_buffer > 0) sock.set_option(net::socket_base::receive_buffer_size(options.receive_buffer));
    sock.connect({net::ip::make_address("127.0.0.1"), port});
    ws_.handshake("127.0.0.1:" + std::to_string(port), target);
    reader_ = std::thread([this] { read_loop(); });
  }
  EventsClient(unsigned short port, const std::string& target) : EventsClient(port, target, Options{}) {}

  ~EventsClient() { disconnect(); }
  EventsClient(const EventsClient&) = delete;
  EventsClient& operator=(const EventsClient&) = delete;

  // Drops the connection without a close handshake (a client that goes away).
  void disconnect() {
    {
      std::lock_guard lock(mutex_);
      paused_ = false;
    }
    cv_.notify_all();
    boost::system::error_code ignored;
    ws_.next_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    if (reader_.joinable()) reader_.join();
    ws_.next_layer().close(ignored);
  }

  void resume() {
    {
      std::lock_guard lock(mutex_);
      paused_ = false;
    }
    cv_.notify_all();
  }

  // The next message, or nullopt when none comes within `timeout` (or the stream ended).
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !messages_.empty() || ended_; })) return std::nullopt;
    if (messages_.empty()) return std::nullopt;
    auto m = std::move(messages_.front());
    messages_.pop_front();
    return m;
  }

  // Every message until `pred` holds for one (included), or nullopt if the
  // stream pauses for `timeout` first.
  template <class Pred>
  std::optional<std::vector<nlohmann::json>> until(Pred pred,
                                                   std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::vector<nlohmann::json> out;
    while (auto m = next(timeout)) {
      out.push_back(*m);
      if (pred(*m)) return out;
    }
    return std::nullopt;
  }

  [[nodiscard]] bool ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }
  // The close frame the daemon sent (code 0 when the connection just dropped).
  [[nodiscard]] int close_code() {
    std::lock_guard lock(mutex_);
    return close_code_;
  }
  [[nodiscard]] std::string close_reason() {
    std::lock_guard lock(mutex_);
    return close_reason_;
  }

 private:
  void read_loop() {
    boost::beast::flat_buffer buf;
    while (true) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !paused_; });
      }
      boost::system::error_code ec;
      ws_.read(buf, ec);
      nlohmann::json message;
      if (!ec) {
        message = nlohmann::json::parse(boost::beast::buffers_to_string(buf.data()));
        buf.consume(buf.size());
        if (on_message_) on_message_(message);
      }
      std::lock_guard lock(mutex_);
      if (ec) {
        if (ec == boost::beast::websocket::error::closed) {
          close_code_ = ws_.reason().code;
          close_reason_ = std::string(ws_.reason().reason.c_str());
        }
        ended_ = true;
        cv_.notify_all();
        return;
      }
      messages_.push_back(std::move(message));
      cv_.notify_all();
    }
  }

  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  std::function<void(const nlohmann::json&)> on_message_;  // reading thread
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<nlohmann::json> messages_;
  bool paused_ = false;
  bool ended_ = false;
  int close_code_ = 0;
  std::string close_reason_;
};

}  // namespace tradingd::test
