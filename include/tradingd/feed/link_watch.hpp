#pragma once
// LinkWatch: the timing rules of one exchange's feed (design.md §8), as pure
// functions of the time and what MarketFeed knows of its connections. Whether
// a connection is dead (not connected or not subscribed in time; on Bybit no
// data and no pong after a ping, on Binance no frame at all), when to ping,
// when the feed goes STALE and when a STALE connection is recycled, and when
// a connection is rotated by age. MarketFeed's watchdog asks every 100 ms and
// acts; tests drive these rules with a test clock, no sockets. Each verdict
// that ends a connection says why, in the words the log uses.
// Not thread-safe: one per MarketFeed, on the io thread.

#include <chrono>
#include <optional>
#include <string>

#include "tradingd/feed/feed_listener.hpp"

namespace tradingd {

class LinkWatch {
 public:
  using Clock = std::chrono::steady_clock;
  using ms = std::chrono::milliseconds;

  struct Settings {
    ms subscribe_timeout{10000};      // open and subscribed within this, or the link is given up
    bool client_pings = false;        // Bybit: the client pings; Binance: the server does
    ms ping_interval{20000};          // client pings: how often
    ms pong_timeout{30000};           // client pings: no data and no pong this long after a ping
    ms silence_timeout{60000};        // server pings: no frame at all (pings included) this long
    ms stale_after{5000};             // LIVE without a trade this long: STALE
    ms reconnect_after_stale{30000};  // STALE this long (counted from the last trade): recycle
    ms rotate_after{82800000};        // a connection live this long is replaced, make-before-break
  };

  // What MarketFeed knows of one connection.
  struct Link {
    bool open = false;  // the WebSocket handshake is done
    bool live = false;  // every subscription acknowledged
    Clock::time_point opened_at{}, live_at{}, last_rx{}, last_ping{};
    std::optional<Clock::time_point> awaiting_pong;  // a ping went out and nothing came back since
  };

  struct LinkVerdict {
    enum class Action { None, Ping, Dead } action = Action::None;
    std::string why;  // for Dead
  };
  enum class Staleness { Fresh, GoStale, Recycle };

  explicit LinkWatch(Settings settings) : settings_(settings) {}

  // One connection now: dead (and why), a ping due (the caller sends it and
  // sets last_ping, and awaiting_pong unless already set), or nothing to do.
  [[nodiscard]] LinkVerdict check(const Link& link, Clock::time_point now) const;
  // The feed as a whole, in `state`, with its last trade at `last_tick`: go
  // STALE, recycle the connection, or nothing. `why` gets the reason.
  [[nodiscard]] Staleness staleness(FeedLinkState state, Clock::time_point last_tick, Clock::time_point now,
                                    std::string& why) const;
  // Whether the active connection is due for rotation by age: it is live, no
  // replacement is being opened, the last failed attempt's retry time has come.
  [[nodiscard]] bool rotation_due(const Link& active, bool replacing, Clock::time_point retry_at,
                                  Clock::time_point now) const;

 private:
  Settings settings_;
};

}  // namespace tradingd
