#pragma once
// MarketFeed: the live price stream from one exchange (Bybit v5 public spot or
// Binance spot combined streams, PROTOCOLS.md). It opens a FeedConnection,
// subscribes to `publicTrade.<COIN><QUOTE>` (Bybit, at most 10 args a request,
// every ack checked) or names `<coin><quote>@trade` streams in the URL
// (Binance), pings Bybit every 20 s, turns each trade into a tick for the
// FeedListener, and on any error or close reconnects with exponential backoff.
//
// State: Connecting -> Live (subscribed, ticks flow) -> Disconnected (waiting
// to retry) -> Connecting ...; Stopped after stop(). STALE (live but silent)
// is judged by the HealthMonitor from tick arrival.
//
// Bad frames are dropped, counted by reason and warned about at most once a
// second; the connection stays up. All members: io thread only.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tradingd/feed/feed_connection.hpp"
#include "tradingd/feed/feed_listener.hpp"
#include "tradingd/feed/frame_parser.hpp"
#include "tradingd/feed/symbol_table.hpp"

namespace tradingd {

struct FeedSettings;

enum class FeedLinkState { Stopped, Connecting, Live, Disconnected };
[[nodiscard]] std::string_view to_string(FeedLinkState s);

struct FeedCounters {
  std::uint64_t frames = 0;
  std::uint64_t ticks = 0;
  std::uint64_t connects = 0;                          // attempts
  std::uint64_t disconnects = 0;                       // losses of an open connection or failed attempts
  std::array<std::uint64_t, bad_frame_reasons> bad{};  // by BadFrame
  [[nodiscard]] std::uint64_t bad_total() const;
};

class MarketFeed final : private FeedConnection::Handler {
 public:
  static constexpr std::size_t bybit_args_per_request = 10;
  static constexpr auto bybit_ping_interval = std::chrono::seconds(20);

  // Throws std::invalid_argument when `url` is not a ws:// or wss:// URL.
  MarketFeed(boost::asio::io_context& io, FeedProtocol protocol, const std::string& url, const SymbolTable& symbols,
             std::shared_ptr<boost::asio::ssl::context> tls, const FeedSettings& settings, FeedListener& listener);
  ~MarketFeed();
  MarketFeed(const MarketFeed&) = delete;
  MarketFeed& operator=(const MarketFeed&) = delete;

  void start();
  // Closes the connection and cancels timers; logs the counters.
  void stop();

  [[nodiscard]] FeedLinkState state() const { return state_; }
  [[nodiscard]] FeedProtocol protocol() const { return protocol_; }
  [[nodiscard]] const FeedCounters& counters() const { return counters_; }
  // The URL connected to, with the streams (Binance) in it.
  [[nodiscard]] std::string url() const { return url_.to_string(); }

 private:
  // FeedConnection::Handler
  void on_open() override;
  void on_frame(std::string_view text) override;
  void on_closed(const std::string& reason) override;

  void connect();
  void go_live();
  void lost(const std::string& reason);
  void subscribe_bybit();
  void on_subscribe_reply(const FrameResult& r);
  void arm_ping();
  void report_bad_frame(BadFrame reason, std::string_view text);

  boost::asio::io_context& io_;
  const FeedProtocol protocol_;
  const SymbolTable& symbols_;
  const FeedSettings& settings_;
  FeedListener& listener_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  FeedUrl url_;
  FrameParser parser_;

  std::shared_ptr<FeedConnection> connection_;
  FeedLinkState state_ = FeedLinkState::Stopped;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer ping_timer_;
  std::chrono::milliseconds backoff_;
  std::uint64_t ping_seq_ = 0;

  // Bybit subscription requests of the current connection awaiting their ack.
  struct PendingRequest {
    std::string req_id;
    std::vector<CoinId> coins;
  };
  std::vector<PendingRequest> pending_;
  std::size_t subscribed_ = 0;
  std::uint64_t request_seq_ = 0;

  FeedCounters counters_;
  std::chrono::steady_clock::time_point last_bad_warning_{};
  std::uint64_t bad_unreported_ = 0;
};

}  // namespace tradingd
