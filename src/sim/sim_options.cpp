#include "tradingd/sim/sim_options.hpp"

#include "tradingd/config/settings.hpp"

#include <charconv>
#include <stdexcept>

namespace tradingd::sim {
namespace {

template <class T>
T number(const std::string& flag, const std::string& text) {
  T v{};
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < T{})
    throw std::invalid_argument(flag + ": not a non-negative number: '" + text + "'");
  return v;
}

}  // namespace

SimOptions SimOptions::parse(const std::vector<std::string>& args) {
  SimOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + ": needs a value");
      return args[++i];
    };
    if (a == "--listen")
      o.listen = value();
    else if (a == "--port")
      o.port = number<int>(a, value());
    else if (a == "--tls")
      o.tls = true;
    else if (a == "--plain")
      o.tls = false;
    else if (a == "--cert")
      o.cert = value();
    else if (a == "--key")
      o.key = value();
    else if (a == "--write-ca")
      o.write_ca = value();
    else if (a == "--csv")
      o.path_csv = value();
    else if (a == "--play") {
      o.play.push_back(value());
      // Every argument up to the next option is a source (a shell's glob expands to many).
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) o.play.push_back(args[++i]);
    } else if (a == "--format") {
      const std::string& v = value();
      o.play_format = ArchiveFormats::parse(v);
      if (!o.play_format)
        throw std::invalid_argument("--format: one of " + ArchiveFormats::names() + ", got '" + v + "'");
    } else if (a == "--speed") {
      o.speed = number<double>(a, value());
      if (!(o.speed >= 0 && o.speed <= 1e6))
        throw std::invalid_argument("--speed: from 0 to 1e6 (0: as fast as clients read)");
    } else if (a == "--coins") {
      const std::string& list = value();
      for (std::size_t start = 0; start <= list.size();) {
        auto end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        if (end > start) o.play_coins.push_back(list.substr(start, end - start));
        start = end + 1;
      }
    } else if (a == "--quote")
      o.play_quote = value();
    else if (a == "--walk") {
      const std::string& spec = value();
      for (std::size_t start = 0; start < spec.size();) {
        auto end = spec.find(',', start);
        if (end == std::string::npos) end = spec.size();
        const std::string item = spec.substr(start, end - start);
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0)
          throw std::invalid_argument("--walk: expected SYMBOL:PRICE, got '" + item + "'");
        const double price = number<double>(a, item.substr(colon + 1));
        if (price <= 0) throw std::invalid_argument("--walk: price must be positive in '" + item + "'");
        o.walk.emplace_back(item.substr(0, colon), price);
        start = end + 1;
      }
    } else if (a == "--seed")
      o.seed = number<std::uint64_t>(a, value());
    else if (a == "--ticks")
      o.walk_ticks = number<std::uint64_t>(a, value());
    else if (a == "--rate")
      o.rate = number<double>(a, value());
    else if (a == "--trades-per-frame")
      o.trades_per_frame = number<int>(a, value());
    else if (a == "--trades-per-seq")
      o.trades_per_seq = number<int>(a, value());
    else if (a == "--future-ms")
      o.future_ms = number<std::int64_t>(a, value());
    else if (a == "--progress-every")
      o.progress_every = number<std::uint64_t>(a, value());
    else if (a == "--bybit-deltas")
      o.bybit_deltas = true;
    else if (a == "--loop")
      o.loop = true;
    else if (a == "--close-after")
      o.close_after = number<std::uint64_t>(a, value());
    else if (a == "--silent-after")
      o.silent_after = number<std::uint64_t>(a, value());
    else if (a == "--malformed-every")
      o.malformed_every = number<std::uint64_t>(a, value());
    else if (a == "--bad-price-every")
      o.bad_price_every = number<std::uint64_t>(a, value());
    else if (a == "--unknown-symbol-every")
      o.unknown_symbol_every = number<std::uint64_t>(a, value());
    else if (a == "--shutdown-after")
      o.shutdown_after = number<std::uint64_t>(a, value());
    else if (a == "--ping-interval-ms")
      o.ping_interval_ms = number<std::int64_t>(a, value());
    else if (a == "--silent-for-ms")
      o.silent_for_ms = number<std::int64_t>(a, value());
    else if (a == "--no-pong")
      o.no_pong = true;
    else if (a == "--close-code")
      o.close_code = number<int>(a, value());
    else if (a == "--delay-ms")
      o.delay_ms = number<std::int64_t>(a, value());
    else if (a == "--spread-bps")
      o.spread_bps = number<double>(a, value());
    else if (a == "--crossed-quote-every")
      o.crossed_quote_every = number<std::uint64_t>(a, value());
    else if (a == "--zero-quote-every")
      o.zero_quote_every = number<std::uint64_t>(a, value());
    else if (a == "--bad-quote-every")
      o.bad_quote_every = number<std::uint64_t>(a, value());
    else if (a == "--one-sided-quote-every")
      o.one_sided_quote_every = number<std::uint64_t>(a, value());
    else if (a == "--quotes-stop-after")
      o.quotes_stop_after = number<std::uint64_t>(a, value());
    else if (a == "--refuse-for-ms")
      o.refuse_for_ms = number<std::int64_t>(a, value());
    else if (a == "--outage-after")
      o.outage_after = number<std::uint64_t>(a, value());
    else if (a == "--outage-ms")
      o.outage_ms = number<std::int64_t>(a, value());
    else
      throw std::invalid_argument("unknown option: " + a);
  }
  if ((o.path_csv.empty() ? 0 : 1) + (o.walk.empty() ? 0 : 1) + (o.play.empty() ? 0 : 1) != 1)
    throw std::invalid_argument("give exactly one of --csv, --walk and --play");
  if ((o.play_format || !o.play_coins.empty()) && o.play.empty())
    throw std::invalid_argument("--format and --coins go with --play");
  if (!o.play.empty() && o.play_coins.empty()) o.play_coins = Settings{}.trading.coins;
  if (o.trades_per_frame < 1) throw std::invalid_argument("--trades-per-frame: must be at least 1");
  if (o.trades_per_seq < 1) throw std::invalid_argument("--trades-per-seq: must be at least 1");
  if ((o.cert.empty()) != (o.key.empty())) throw std::invalid_argument("--cert and --key go together");
  if (o.silent_for_ms && !o.silent_after) throw std::invalid_argument("--silent-for-ms needs --silent-after");
  if (o.close_code < 1000 || o.close_code > 4999) throw std::invalid_argument("--close-code: 1000 to 4999");
  if (o.spread_bps > 10000) throw std::invalid_argument("--spread-bps: at most 10000");
  if ((o.outage_after == 0) != (o.outage_ms == 0))
    throw std::invalid_argument("--outage-after and --outage-ms go together");
  return o;
}

std::string SimOptions::usage() {
  return R"(usage: exchange-sim (--csv FILE | --walk SYM:PRICE[,SYM:PRICE...] | --play SOURCE...) [options]

A WebSocket server speaking the Bybit v5 public spot stream (path /v5/public/spot)
and Binance spot streams (/stream?streams=..., /ws/<stream>) on one port.

  --listen ADDR            address to bind (127.0.0.1)
  --port N                 port (0: any free one; the chosen URL is printed)
  --tls | --plain          wss:// (default) or ws://
  --cert FILE --key FILE   PEM certificate and key (default: a fresh self-signed one)
  --write-ca FILE          write the certificate clients should trust
  --csv FILE               play ts_ms,symbol,price rows (trades are stamped with the send time)
  --walk SYM:PRICE,...     play a seeded random walk per symbol
  --seed N --ticks N       walk seed (1), walk length (0: endless)
  --play SOURCE...         play market data as tradingd --replay reads it (files, directories, globs;
                           tradingd's rows or the exchanges' archives: binance-trades, -aggtrades,
                           -bookticker, bybit-trades, tardis-trades, -quotes; plain, .gz, .zip):
                           trades as trade frames, quotes as orderbook.1 / bookTicker frames,
                           at the data's own pace (frames stamped with the send time)
  --speed N                with --play: N times the recorded pace (1; 0: as fast as clients read)
  --format NAME            with --play: read every source as NAME
  --coins A,B,...          with --play: the coins to list and play (tradingd's default coins)
  --quote Q                with --play: their quote currency (USDT)
  --rate N                 messages a second (10; 0: as fast as clients read)
  --trades-per-frame K     Bybit: up to K consecutive trades of a symbol in one frame (1)
  --trades-per-seq K       Bybit: K consecutive trades of a symbol share one "seq", as the fills
                           of one taker order do on the real stream (1)
  --loop                   play the CSV again when it ends
  --progress-every N       print "progress: N trades played" every N trades (for tests that wait on progress)
faults, per connection, counted in data messages sent:
  --close-after N          close the WebSocket after N messages
  --silent-after N         send nothing more after N messages (pongs neither), keep the socket open
  --silent-for-ms M        ... for M ms only; the path moves on meanwhile (trades the client misses)
  --no-pong                Bybit: never answer a ping (data still flows)
  --close-code C           WebSocket close code for --close-after (1001)
  --delay-ms N             stamp trades N ms in the past (delayed data)
  --future-ms N            stamp trades N ms ahead (an exchange clock that runs ahead)
  --malformed-every N      add a frame that is not JSON after every N messages
  --bad-price-every N      add a trade with a non-numeric price after every N messages
  --unknown-symbol-every N add a trade for an unlisted symbol after every N messages
  --shutdown-after N       Binance: send serverShutdown after N messages, close 1 s later
quotes, to clients subscribed to orderbook.1.<SYM> (Bybit) or <sym>@bookTicker (Binance):
  --spread-bps N           a best bid/ask N bps apart around each trade's price, sent before it (10;
                           with --play, quotes come from the data only)
  --crossed-quote-every N  add a quote with the bid above the ask after every N messages' good quote
  --zero-quote-every N     ... with a bid of 0
  --bad-quote-every N      ... with a non-numeric bid
  --one-sided-quote-every N ... with no ask (Bybit: an empty level; Binance: an empty string)
  --quotes-stop-after N    send no quote after N messages (they go stale; trades go on)
  --bybit-deltas           Bybit: a snapshot per symbol and connection, then "type":"delta" messages
                           (an unchanged side as [], a moved level as [old,"0"] then [new,size],
                           a one-sided quote as the ask's level removed), as recorded streams hold
  --ping-interval-ms N     Binance server ping period (20000)
faults of the whole server:
  --refuse-for-ms M        refuse connections for M ms after start
  --outage-after N --outage-ms M
                           after N path messages drop every client and refuse connections for M ms

The path does not advance while no client is subscribed, so a reconnecting
client misses nothing.
)";
}

}  // namespace tradingd::sim
