#pragma once
// FeedConnection: one WebSocket connection to an exchange, from DNS to the
// last frame, as a chain of asynchronous steps in the manner of Beast's
// async-ssl client example:
//   resolve -> connect -> TLS handshake (SNI, peer verified, host name
//   checked) -> WebSocket handshake -> read loop
// with one write in flight and a queue behind it. ws:// skips the TLS step.
// It knows nothing about exchanges: MarketFeed speaks the protocol through it.
//
// Beast stays in feed_connection.cpp; this header is cheap to include.
// io thread only. The connection keeps itself alive while an operation is
// pending; the owner holds a shared_ptr and calls close() to end it.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "tradingd/config/feed_url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace tradingd {

struct TlsSettings;

class FeedConnection {
 public:
  class Handler {
   public:
    virtual void on_open() = 0;                        // the WebSocket handshake is done
    virtual void on_frame(std::string_view text) = 0;  // one text frame, valid during the call
    // A ping, pong or close frame arrived: the link is alive (Beast answers pings itself).
    virtual void on_control_frame() = 0;
    // Once, when the connection failed or the peer closed it; `reason` names
    // the step and the cause ("TLS handshake: certificate verify failed ...").
    virtual void on_closed(const std::string& reason) = 0;

   protected:
    ~Handler() = default;
  };

  // A client TLS context: the system's trusted CAs plus `[tls] ca_file`, peer
  // verification per `[tls] verify`. Built once at start-up (it reads files).
  // Throws std::runtime_error naming the file when ca_file cannot be loaded.
  static std::shared_ptr<boost::asio::ssl::context> make_tls_context(const TlsSettings& tls);

  // Starts connecting at once. `tls` is needed for wss:// URLs.
  static std::shared_ptr<FeedConnection> open(boost::asio::io_context& io, const FeedUrl& url,
                                              std::shared_ptr<boost::asio::ssl::context> tls, Handler& handler);

  virtual ~FeedConnection() = default;
  // Queues a text frame; sent once the connection is open, in order.
  virtual void send(std::string text) = 0;
  // Ends the connection (a WebSocket close when open, else the socket is
  // closed). The handler is not called again, not even on_closed.
  virtual void close() = 0;
};

}  // namespace tradingd
