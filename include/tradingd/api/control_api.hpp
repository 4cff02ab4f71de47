#pragma once
// ControlApi: the HTTP/1.1 server in front of ApiRouter, on the io thread
// (Boost.Beast; Beast stays in control_api.cpp). Bounded and closed by
// default, because it can move money:
//  * binds [api] listen (loopback by default); a non-loopback address
//    without a token is refused at start-up;
//  * request line and headers at most 8 KiB, bodies at most 64 KiB (413);
//  * a client has 10 s to send its request (slow or half-open ones are cut);
//  * at most 64 connections at once (more are answered 503 and closed);
//  * malformed HTTP gets 400; nothing a client sends reaches trading except
//    through ApiRouter.
// GET /trades reads the journal on a helper thread and answers on the io
// thread, so the io thread never touches the disk. GET /events is a WebSocket
// upgrade handed to EventStream (at most 128 subscribers, apart from the 64
// connections). io thread only.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tradingd/journal/journal_event.hpp"

namespace tradingd {

class ControlTarget;
class ApiRouter;
struct ApiSettings;

class ControlApi {
 public:
  static constexpr std::size_t max_body_bytes = 64 * 1024;
  static constexpr std::size_t max_header_bytes = 8 * 1024;
  static constexpr std::size_t max_connections = 64;

  // Binds at once; throws std::runtime_error (start-up: exit 2) when it
  // cannot, or when a non-loopback address has no token.
  ControlApi(boost::asio::io_context& io, const ApiSettings& settings, ControlTarget& system, std::string token);
  ~ControlApi();

  void start();
  void stop();
  // Events the journal committed, for GET /events subscribers (EventStream::publish).
  void publish_events(std::vector<JournalEvent>&& events, std::int64_t last_seq);
  [[nodiscard]] unsigned short port() const;

  struct Impl;  // the acceptor, the sessions and the router (control_api.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd
