#pragma once
// SimOptions: exchange-sim's command line. Every fault is a flag, so a test
// states the scenario it plays in its own argv.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tradingd/feed/archive_format.hpp"

namespace tradingd::sim {

struct SimOptions {
  std::string listen = "127.0.0.1";
  int port = 0;  // 0: any free port (printed at start)
  bool tls = true;
  std::filesystem::path cert, key;  // PEM; generated at start when empty
  std::filesystem::path write_ca;   // where to write the certificate to trust

  // What to play: a CSV (ts_ms,symbol,price) or a seeded random walk.
  std::filesystem::path path_csv;
  std::vector<std::pair<std::string, double>> walk;  // symbol, start price
  std::uint64_t seed = 1;
  std::uint64_t walk_ticks = 0;      // 0: endless
  double rate = 10.0;                // messages a second; 0: as fast as clients read
  int trades_per_frame = 1;          // Bybit: consecutive trades of one symbol per frame
  int trades_per_seq = 1;            // Bybit: consecutive trades sharing one "seq" (the fills of one taker order)
  bool bybit_deltas = false;         // Bybit orderbook.1: a snapshot per subscription, then deltas
  bool loop = false;                 // start the CSV again when it ends
  std::uint64_t progress_every = 0;  // print "progress: N trades played" every N trades (0: never)

  // --play: any replay source of design.md §10, at its recorded pace times `speed`.
  std::vector<std::string> play;
  std::optional<ArchiveFormat> play_format;  // --format
  double speed = 1.0;                        // 0: as fast as clients read
  std::vector<std::string> play_coins;       // --coins (default: tradingd's default [trading] coins)
  std::string play_quote = "USDT";           // --quote

  // Faults, per connection, counted in data messages sent.
  std::uint64_t close_after = 0;
  std::uint64_t silent_after = 0;
  std::uint64_t malformed_every = 0;
  std::uint64_t bad_price_every = 0;
  std::uint64_t unknown_symbol_every = 0;
  std::uint64_t shutdown_after = 0;  // Binance serverShutdown, then close 1 s later
  std::int64_t silent_for_ms = 0;    // with silent_after: the silence ends; the path moved on meanwhile
  bool no_pong = false;              // Bybit: never answer a ping
  int close_code = 1001;             // WebSocket close code of --close-after
  std::int64_t delay_ms = 0;         // stamp trades this much in the past (delayed data)
  std::int64_t future_ms = 0;        // stamp trades this much ahead (a clock that runs ahead)

  // Quotes (Bybit orderbook.1, Binance bookTicker) for clients that subscribe
  // to them: before each trade message, a best bid/ask around its price.
  double spread_bps = 10.0;  // ask - bid, in basis points of the price
  // Quote faults, per connection, counted in data messages sent: an extra
  // quote after the good one, before the trade.
  std::uint64_t crossed_quote_every = 0;    // bid above the ask
  std::uint64_t zero_quote_every = 0;       // a bid of 0
  std::uint64_t bad_quote_every = 0;        // a non-numeric bid
  std::uint64_t one_sided_quote_every = 0;  // no ask (Bybit: an empty level; Binance has none: an empty string)
  std::uint64_t quotes_stop_after = 0;      // no quote after this many messages: they go stale

  // Faults of the whole server.
  std::int64_t refuse_for_ms = 0;  // refuse connections for this long after start
  std::uint64_t outage_after = 0;  // after this many path messages: drop every client ...
  std::int64_t outage_ms = 0;      // ... and refuse connections for this long

  std::int64_t ping_interval_ms = 20000;  // Binance server pings

  // Throws std::invalid_argument naming the flag.
  static SimOptions parse(const std::vector<std::string>& args);
  static std::string usage();
};

}  // namespace tradingd::sim
