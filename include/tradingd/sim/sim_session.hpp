#pragma once
// SimSession: one client of exchange-sim. It takes the TLS handshake (wss),
// reads the HTTP upgrade request and picks the protocol by its path:
//   /v5/...                         Bybit v5 public: subscribe, ack, ping/pong
//   /stream?streams=a@trade/...     Binance combined streams (wrapped frames)
//   /ws/<stream>[/<stream>...]      Binance raw streams
// then serves trades handed to it by the SimServer in that exchange's exact
// frame shapes (protocols.md), each preceded by a best bid/ask around its
// price when the client subscribed to quotes, and plays the per-connection
// faults of SimOptions (quote faults included). Beast stays in sim_session.cpp. io thread only.

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "tradingd/sim/price_path.hpp"

namespace boost::asio::ssl {
class context;
}

namespace tradingd::sim {

class SimServer;

class SimSession {
 public:
  // `tls` null: plain ws://.
  static std::shared_ptr<SimSession> start(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls,
                                           SimServer& server);
  virtual ~SimSession() = default;

  [[nodiscard]] virtual bool subscribed_any() const = 0;
  // Sends consecutive trades of one symbol (one Bybit frame, or one Binance
  // frame each). False when this client took none of them: not subscribed,
  // silent, closing, or closed by a fault just now.
  virtual bool deliver(std::span<const SimTrade> trades) = 0;
  // Frames queued but not yet written: the server slows down on it.
  [[nodiscard]] virtual std::size_t backlog() const = 0;
  [[nodiscard]] virtual bool finished() const = 0;
  virtual void close() = 0;  // a WebSocket close (going away)
  virtual void abort() = 0;  // the socket just closes: a crash, a cut cable
};

}  // namespace tradingd::sim
