#pragma once
// MarketFeed: the live price stream from one exchange (Bybit v5 public spot or
// Binance spot combined streams, protocols.md). It opens a FeedConnection,
// subscribes to `publicTrade.<COIN><QUOTE>` (Bybit, at most 10 args a request,
// every ack checked) or names `<coin><quote>@trade` streams in the URL
// (Binance, which then needs no request of ours), and turns each trade into a
// tick for its FeedListener. With quotes on ([paper] fill_on = "quote") it also
// takes each coin's best bid/ask (Bybit `orderbook.1.<SYM>` in the same
// requests, Binance `<sym>@bookTicker` in the same URL), keeps the latest per
// coin, and hands each to the listener stamped with the local clock.
//
// It keeps the link honest (issue "Feed resilience"):
//  * dead links: Bybit, no data and no pong within pong_timeout_ms of a ping
//    (sent every ping_interval_ms); Binance, no frame of any kind, its pings
//    included, for silence_timeout_ms. Either recycles the connection.
//  * STALE: live but no trade for [health] stale_after_ms; trading pauses until
//    the next fresh trade, and past reconnect_after_stale_ms the connection is
//    recycled. A coin silent for coin_stale_after_ms is reported.
//  * delayed data: a trade older than max_tick_age_ms by the wall clock never
//    reaches the Sniper (counted, warned about once a second).
//  * reconnects by ReconnectPolicy (jittered backoff, attempts per 5 minutes
//    under the exchange's limit).
//  * rotation, make-before-break: before rotate_after_ms of connection age, or
//    on Binance's serverShutdown, a second connection opens; once it is live it
//    takes over and the old one closes a second later. Trades seen on both are
//    delivered once (TradeDedup: by sequence and trade id); a quote older than
//    one already taken (by its order book update id) is dropped.
//  * exchange times: a trade or quote stamped more than max_tick_age_ms ahead
//    of the wall clock is dropped and counted (future_ticks / future_quotes),
//    like one that old; a time outside 1970..9999 is a bad frame (bad_time).
//  * the level-1 book per coin: Bybit snapshots replace it, deltas change the
//    levels they name (protocols.md); a book left crossed is a bad frame.
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
#include "tradingd/feed/link_watch.hpp"
#include "tradingd/feed/reconnect_policy.hpp"
#include "tradingd/feed/symbol_table.hpp"
#include "tradingd/feed/trade_dedup.hpp"

namespace tradingd {

class Clock;
struct FeedSettings;

struct FeedCounters {
  std::uint64_t frames = 0;
  std::uint64_t ticks = 0;                             // delivered to the listener
  std::uint64_t old_ticks = 0;                         // older than max_tick_age_ms: not delivered
  std::uint64_t future_ticks = 0;                      // stamped more than max_tick_age_ms ahead: not delivered
  std::uint64_t duplicate_ticks = 0;                   // seen on both connections during a rotation
  std::uint64_t connects = 0;                          // connection attempts (rotations included)
  std::uint64_t disconnects = 0;                       // connections lost or attempts failed
  std::uint64_t rotations = 0;                         // make-before-break switches
  std::array<std::uint64_t, bad_frame_reasons> bad{};  // by BadFrame
  std::uint64_t quotes = 0;                            // best bid/ask updates delivered to the listener
  std::uint64_t old_quotes = 0;                        // Bybit quotes older than max_tick_age_ms: not delivered
  std::uint64_t future_quotes = 0;                     // Bybit quotes stamped more than max_tick_age_ms ahead
  std::uint64_t duplicate_quotes = 0;                  // older than one already taken, during a rotation

  // Tick to decision: from a trade frame's arrival to the Sniper having acted
  // on all its ticks, per frame.
  // Powers of two from 250 ns, so one bucket is a factor of 2.
  static constexpr std::array<double, 15> latency_bounds_s = {250e-9, 500e-9, 1e-6,     2e-6,     4e-6,
                                                              8e-6,   16e-6,  32e-6,    64e-6,    128e-6,
                                                              256e-6, 512e-6, 1.024e-3, 4.096e-3, 16.384e-3};
  // Frames per bucket (not cumulative): the frame path touches one counter;
  // the scrape adds them up.
  std::array<std::uint64_t, latency_bounds_s.size() + 1> latency_in{};  // last: over every bound
  std::uint64_t latency_count = 0;
  double latency_sum_s = 0.0;
  [[nodiscard]] std::uint64_t bad_total() const;
};

class MarketFeed {
 public:
  // Throws std::invalid_argument when `url` is not a ws:// or wss:// URL.
  // `quotes`: also stream each coin's best bid/ask.
  MarketFeed(boost::asio::io_context& io, FeedProtocol protocol, const std::string& url, const SymbolTable& symbols,
             std::shared_ptr<boost::asio::ssl::context> tls, const FeedSettings& settings, std::int64_t stale_after_ms,
             const Clock& wall_clock, FeedListener& listener, bool quotes = false);
  ~MarketFeed();
  MarketFeed(const MarketFeed&) = delete;
  MarketFeed& operator=(const MarketFeed&) = delete;

  void start();
  // Closes every connection and cancels timers; logs the counters. start() may follow.
  void stop();

  [[nodiscard]] FeedLinkState state() const { return state_; }
  [[nodiscard]] FeedProtocol protocol() const { return protocol_; }
  [[nodiscard]] const FeedCounters& counters() const { return counters_; }
  // How long since `coin` last traded on this feed (since it went live if never), or -1 when not live.
  [[nodiscard]] double coin_silence_seconds(CoinId coin) const;
  // The URL connected to, with the streams (Binance) in it.
  [[nodiscard]] std::string url() const { return url_.to_string(); }
  [[nodiscard]] bool streams_quotes() const { return quotes_on_; }
  // The latest best bid/ask of `coin` on this exchange; nullptr before the first.
  [[nodiscard]] const Quote* quote(CoinId coin) const;

 private:
  struct Link;
  using Steady = std::chrono::steady_clock;

  // From a Link (a connection's handler).
  void link_open(Link& link);
  void link_frame(Link& link, std::string_view text);
  void link_closed(Link& link, const std::string& reason);
  void link_live(Link& link);

  std::unique_ptr<Link> open_link();
  void connect();
  void lost(const std::string& reason);
  void set_state(FeedLinkState s);
  void start_rotation(const std::string& why);
  void watchdog();
  void arm_watchdog();
  void check_link(Link& link, Steady::time_point now);
  void deliver(Link& link);
  void deliver_quote(std::string_view text);
  void on_subscribe_reply(Link& link, const FrameResult& r);
  void report_bad_frame(BadFrame reason, std::string_view text);

  boost::asio::io_context& io_;
  const FeedProtocol protocol_;
  const SymbolTable& symbols_;
  const FeedSettings& settings_;
  const LinkWatch watch_;  // the timing rules: dead links, pings, STALE, rotation
  const Clock& wall_clock_;
  FeedListener& listener_;
  const bool quotes_on_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  FeedUrl url_;
  FrameParser parser_;
  ReconnectPolicy policy_;

  // active_ delivers; next_ is the make-before-break replacement being opened;
  // draining_ is the replaced one, still delivering until drain_until_.
  std::unique_ptr<Link> active_, next_, draining_;
  std::uint64_t link_seq_ = 0;
  FeedLinkState state_ = FeedLinkState::Stopped;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer watchdog_timer_;
  Steady::time_point last_tick_{};  // or when the feed went live
  Steady::time_point drain_until_{};
  Steady::time_point rotate_retry_at_{};
  Steady::time_point down_since_{};  // for the "live again after" line
  std::uint64_t request_seq_ = 0;
  std::uint64_t ping_seq_ = 0;

  // Per coin, indexed by CoinId.
  std::vector<Steady::time_point> coin_last_tick_;
  std::vector<std::uint8_t> coin_reported_stale_;
  TradeDedup dedup_;
  std::vector<Quote> coin_quote_;                // the level-1 book; ts_ms 0: none yet
  std::vector<std::int64_t> coin_last_quote_u_;  // order book update id of the last quote taken

  FeedCounters counters_;
  Steady::time_point last_bad_warning_{};
  std::uint64_t bad_unreported_ = 0;
  Steady::time_point last_old_warning_{};
  std::uint64_t old_unreported_ = 0;
};

}  // namespace tradingd
