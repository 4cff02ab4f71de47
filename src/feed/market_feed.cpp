#include "tradingd/feed/market_feed.hpp"

#include "tradingd/domain/text_guard.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <stdexcept>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/clock.hpp"
#include "tradingd/domain/time_format.hpp"

namespace tradingd {
namespace {

using namespace std::chrono_literals;

constexpr auto warning_period = 1s;      // bad-frame and old-tick warnings, at most this often
constexpr auto watchdog_period = 100ms;  // how often links are checked
constexpr auto subscribe_timeout = 10s;  // open but not live this long: give up on the link
constexpr auto drain_period = 1s;        // the replaced connection keeps delivering this long
constexpr auto rotation_retry = 5s;      // a failed make-before-break is tried again after
constexpr std::size_t bad_frame_excerpt = 160;
// Connection attempts per 5 minutes, kept under the exchanges' limits
// (Bybit 500, Binance 300 per IP; protocols.md) with headroom.
constexpr std::size_t bybit_attempts_per_window = 400;
constexpr std::size_t binance_attempts_per_window = 240;
constexpr std::size_t bybit_args_per_request = 10;

// Binance names every stream in the URL of one combined connection:
//   wss://host:9443/stream?streams=btcusdt@trade/ethusdt@trade
//   ...?streams=btcusdt@trade/btcusdt@bookTicker/ethusdt@trade/... with quotes.
std::string binance_target(std::string path, const SymbolTable& symbols, bool quotes) {
  if (path.find('?') != std::string::npos) return path;  // the user chose the streams
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() < 7 || path.compare(path.size() - 7, 7, "/stream") != 0) path += "/stream";
  path += "?streams=";
  for (std::size_t id = 0; id < symbols.size(); ++id) {
    std::string s = symbols.symbol(static_cast<CoinId>(id));
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (id) path += '/';
    path += s + "@trade";
    if (quotes) path += '/' + s + "@bookTicker";
  }
  return path;
}

LinkWatch::Settings watch_settings(FeedProtocol protocol, const FeedSettings& s, std::int64_t stale_after_ms) {
  LinkWatch::Settings w;
  w.subscribe_timeout = subscribe_timeout;
  w.client_pings = protocol == FeedProtocol::Bybit;
  w.ping_interval = std::chrono::milliseconds(s.ping_interval_ms);
  w.pong_timeout = std::chrono::milliseconds(s.pong_timeout_ms);
  w.silence_timeout = std::chrono::milliseconds(s.silence_timeout_ms);
  w.stale_after = std::chrono::milliseconds(stale_after_ms);
  w.reconnect_after_stale = std::chrono::milliseconds(s.reconnect_after_stale_ms);
  w.rotate_after = std::chrono::milliseconds(s.rotate_after_ms);
  return w;
}

// Bybit topics: a coin's trades, and its level-1 book when quotes are on.
std::string bybit_topic(bool quote_topic, const std::string& symbol) {
  return (quote_topic ? "orderbook.1." : "publicTrade.") + symbol;
}

}  // namespace

std::string_view to_string(FeedLinkState s) {
  switch (s) {
    case FeedLinkState::Stopped:
      return "stopped";
    case FeedLinkState::Connecting:
      return "connecting";
    case FeedLinkState::Live:
      return "live";
    case FeedLinkState::Stale:
      return "stale";
    case FeedLinkState::Disconnected:
      return "disconnected";
  }
  return "?";
}

double MarketFeed::coin_silence_seconds(CoinId coin) const {
  if ((state_ != FeedLinkState::Live && state_ != FeedLinkState::Stale) || coin >= coin_last_tick_.size()) return -1;
  return std::chrono::duration<double>(Steady::now() - coin_last_tick_[coin]).count();
}

std::uint64_t FeedCounters::bad_total() const {
  std::uint64_t n = 0;
  for (auto b : bad) n += b;
  return n;
}

// One connection and what it has been told. Its FeedConnection calls it; it
// hands everything to the MarketFeed, which knows which role it plays.
struct MarketFeed::Link final : FeedConnection::Handler {
  struct Topic {
    CoinId coin = 0;
    bool quote = false;  // orderbook.1 rather than publicTrade
  };
  struct PendingRequest {
    std::string req_id;
    std::vector<Topic> topics;
  };

  Link(MarketFeed& f, std::uint64_t n) : feed(f), id(n), opened_at(Steady::now()), last_rx(opened_at) {}
  ~Link() {
    if (connection) connection->close();
  }

  void on_open() override { feed.link_open(*this); }
  void on_frame(std::string_view text) override { feed.link_frame(*this, text); }
  void on_control_frame() override { last_rx = Steady::now(); }
  void on_closed(const std::string& reason) override { feed.link_closed(*this, reason); }

  MarketFeed& feed;
  const std::uint64_t id;
  std::shared_ptr<FeedConnection> connection;
  std::vector<PendingRequest> pending;
  std::size_t subscribed = 0;
  bool open = false;
  bool live = false;
  Steady::time_point opened_at, live_at{}, last_rx;
  Steady::time_point last_ping{};
  std::optional<Steady::time_point> awaiting_pong;  // a ping went out and nothing came back since

  // What LinkWatch judges this connection by.
  [[nodiscard]] LinkWatch::Link times() const {
    return {open, live, opened_at, live_at, last_rx, last_ping, awaiting_pong};
  }
};

MarketFeed::MarketFeed(boost::asio::io_context& io, FeedProtocol protocol, const std::string& url,
                       const SymbolTable& symbols, std::shared_ptr<boost::asio::ssl::context> tls,
                       const FeedSettings& settings, std::int64_t stale_after_ms, const Clock& wall_clock,
                       FeedListener& listener, bool quotes)
    : io_(io),
      protocol_(protocol),
      symbols_(symbols),
      settings_(settings),
      watch_(watch_settings(protocol, settings, stale_after_ms)),
      wall_clock_(wall_clock),
      listener_(listener),
      quotes_on_(quotes),
      tls_(std::move(tls)),
      parser_(protocol, symbols),
      policy_(ReconnectPolicy::Limits{std::chrono::milliseconds(settings.backoff_initial_ms),
                                      std::chrono::milliseconds(settings.backoff_max_ms),
                                      std::chrono::milliseconds(settings.backoff_reset_after_ms), 5min,
                                      protocol == FeedProtocol::Bybit ? bybit_attempts_per_window
                                                                      : binance_attempts_per_window},
              std::random_device{}()),
      retry_timer_(io),
      watchdog_timer_(io),
      coin_last_tick_(symbols.size()),
      coin_reported_stale_(symbols.size(), 0),
      dedup_(symbols.size()),
      coin_quote_(symbols.size()),
      coin_last_quote_u_(symbols.size(), 0) {
  std::string error;
  auto parsed = FeedUrl::parse(url, &error);
  if (!parsed) throw std::invalid_argument(std::string(to_string(protocol)) + " url " + url + ": " + error);
  url_ = std::move(*parsed);
  if (protocol_ == FeedProtocol::Binance) url_.target = binance_target(url_.target, symbols_, quotes_on_);
}

MarketFeed::~MarketFeed() = default;

void MarketFeed::start() {
  if (state_ != FeedLinkState::Stopped) return;
  down_since_ = Steady::now();
  connect();
  arm_watchdog();
}

void MarketFeed::stop() {
  if (state_ == FeedLinkState::Stopped) return;
  retry_timer_.cancel();
  watchdog_timer_.cancel();
  active_.reset();  // each Link closes its connection
  next_.reset();
  draining_.reset();
  set_state(FeedLinkState::Stopped);
  const auto& c = counters_;
  spdlog::info(
      "Feed {} stopped: {} ticks in {} frames, {} bad frames (invalid_json {}, missing_field {}, bad_price {}, "
      "unknown_symbol {}, crossed_quote {}, bad_time {}), {} old ticks skipped, {} from the future, {} duplicates "
      "dropped, {} connection attempts, {} rotations{}",
      to_string(protocol_), c.ticks, c.frames, c.bad_total(), c.bad[0], c.bad[1], c.bad[2], c.bad[3], c.bad[4],
      c.bad[5], c.old_ticks, c.future_ticks, c.duplicate_ticks, c.connects, c.rotations,
      quotes_on_ ? fmt::format("; {} quotes ({} old, {} from the future, {} duplicates dropped)", c.quotes,
                               c.old_quotes, c.future_quotes, c.duplicate_quotes)
                 : std::string());
}

void MarketFeed::set_state(FeedLinkState s) {
  if (s == state_) return;
  const bool was_live = state_ == FeedLinkState::Live;
  state_ = s;
  if (was_live) down_since_ = Steady::now();
  listener_.on_feed_state(protocol_, s);
}

std::unique_ptr<MarketFeed::Link> MarketFeed::open_link() {
  ++counters_.connects;
  policy_.on_attempt(Steady::now());
  auto link = std::make_unique<Link>(*this, ++link_seq_);
  link->connection = FeedConnection::open(io_, url_, tls_, *link);
  return link;
}

void MarketFeed::connect() {
  set_state(FeedLinkState::Connecting);
  active_ = open_link();
}

void MarketFeed::link_open(Link& link) {
  link.open = true;
  link.last_rx = Steady::now();
  if (protocol_ == FeedProtocol::Binance) {
    // The streams are in the URL: data flows without a request.
    link.subscribed = symbols_.size();
    return link_live(link);
  }
  // At most 10 args a request (protocols.md): a longer one is refused whole.
  // With quotes, each coin's book topic follows its trade topic.
  std::vector<Link::Topic> topics;
  for (std::size_t id = 0; id < symbols_.size(); ++id) {
    topics.push_back({static_cast<CoinId>(id), false});
    if (quotes_on_) topics.push_back({static_cast<CoinId>(id), true});
  }
  for (std::size_t first = 0; first < topics.size(); first += bybit_args_per_request) {
    Link::PendingRequest req{fmt::format("sub-{}", ++request_seq_), {}};
    std::string args;
    for (std::size_t i = first; i < std::min(topics.size(), first + bybit_args_per_request); ++i) {
      if (!args.empty()) args += ',';
      args += "\"" + bybit_topic(topics[i].quote, symbols_.symbol(topics[i].coin)) + "\"";
      req.topics.push_back(topics[i]);
    }
    link.connection->send(fmt::format(R"({{"req_id":"{}","op":"subscribe","args":[{}]}})", req.req_id, args));
    link.pending.push_back(std::move(req));
  }
  link.last_ping = Steady::now();
}

void MarketFeed::on_subscribe_reply(Link& link, const FrameResult& r) {
  auto& pending = link.pending;
  const auto it = std::find_if(pending.begin(), pending.end(), [&](const auto& p) { return p.req_id == r.req_id; });
  if (it == pending.end()) {
    if (r.kind == FrameKind::SubscribeFailed)
      spdlog::warn("{} refused a request (req_id '{}'): {}", to_string(protocol_), TextGuard::printable(r.req_id),
                   TextGuard::printable(r.message, 200));
    return;
  }
  // `subscribed` counts coins whose trades come: a refused book topic costs the coin its quotes only.
  const auto trade_topics = [](const std::vector<Link::Topic>& topics) {
    return static_cast<std::size_t>(
        std::count_if(topics.begin(), topics.end(), [](const Link::Topic& t) { return !t.quote; }));
  };
  if (r.kind == FrameKind::SubscribeAck) {
    link.subscribed += trade_topics(it->topics);
  } else {
    // Bybit names the refused topics in ret_msg ("Invalid symbol :[publicTrade.XUSDT]"); when it names none,
    // the whole request was refused ("args size >10").
    std::vector<Link::Topic> refused;
    for (const auto& t : it->topics)
      if (r.message.find(bybit_topic(t.quote, symbols_.symbol(t.coin)) + "]") != std::string_view::npos ||
          r.message.find(bybit_topic(t.quote, symbols_.symbol(t.coin)) + ",") != std::string_view::npos)
        refused.push_back(t);
    if (refused.empty()) refused = it->topics;
    link.subscribed += trade_topics(it->topics) - trade_topics(refused);
    if (&link == active_.get())  // not again for a rotation's replacement
      for (const auto& t : refused) {
        const std::string& symbol = symbols_.symbol(t.coin);
        spdlog::error("{} refused the subscription to {}: {}; {} {}", to_string(protocol_),
                      bybit_topic(t.quote, symbol), TextGuard::printable(r.message, 200), symbol,
                      t.quote ? "gets no quotes: its fills use the trade price" : "gets no prices");
      }
  }
  pending.erase(it);
  if (!pending.empty() || link.live) return;
  if (link.subscribed == 0) {
    if (&link == active_.get()) return lost("no subscription accepted");
    next_.reset();
    return;
  }
  link_live(link);
}

void MarketFeed::link_live(Link& link) {
  const auto now = Steady::now();
  link.live = true;
  link.live_at = now;
  policy_.on_live(now);
  if (&link == next_.get()) {
    // Make-before-break: the new connection takes over; the old one keeps
    // delivering a moment longer so no trade falls between the two.
    draining_ = std::move(active_);
    active_ = std::move(next_);
    drain_until_ = now + drain_period;
    ++counters_.rotations;
    spdlog::info("{}: the new connection is live and takes over; the old one closes in {}", to_string(protocol_),
                 TimeFormat::seconds(drain_period));
    return;
  }
  if (&link != active_.get()) return;
  const bool outage = counters_.connects > 1;
  spdlog::info(
      "Connected to {} ({}), subscribed to {} coins{}", to_string(protocol_), url_.to_string(), link.subscribed,
      outage ? fmt::format("; trading resumes after {} without a live feed", TimeFormat::seconds(now - down_since_))
             : std::string());
  last_tick_ = now;
  std::fill(coin_last_tick_.begin(), coin_last_tick_.end(), now);
  set_state(FeedLinkState::Live);
}

void MarketFeed::link_frame(Link& link, std::string_view text) {
  link.last_rx = Steady::now();
  link.awaiting_pong.reset();  // any frame proves the link alive
  ++counters_.frames;
  const FrameResult r = parser_.parse(text);
  switch (r.kind) {
    case FrameKind::Trades:
      deliver(link);
      break;
    case FrameKind::Quote:
      deliver_quote(text);
      break;
    case FrameKind::Bad:
      ++counters_.bad[static_cast<std::size_t>(r.bad)];
      report_bad_frame(r.bad, text);
      break;
    case FrameKind::SubscribeAck:
    case FrameKind::SubscribeFailed:
      on_subscribe_reply(link, r);
      break;
    case FrameKind::ServerShutdown:
      if (&link == active_.get()) {
        spdlog::info("{} announced a server shutdown", to_string(protocol_));
        start_rotation("server shutdown announced");
      }
      break;
    case FrameKind::Pong:
    case FrameKind::Ignored:
      break;
  }
}

void MarketFeed::deliver(Link& link) {
  // During a rotation two connections carry the same trades: each is
  // delivered once, by sequence and trade id (TradeDedup).
  const bool overlap = draining_ != nullptr || next_ != nullptr;
  const std::int64_t wall_ms = wall_clock_.now_ms();
  const auto now = link.last_rx;
  std::int64_t oldest_age = 0;
  listener_.on_frame_begin(wall_ms);
  for (const FeedTick& t : parser_.ticks()) {
    if (dedup_.duplicate(t.coin, t.seq, t.trade_id, overlap)) {
      ++counters_.duplicate_ticks;
      continue;
    }
    // Both times are epoch ms from 1970 to 9999 (the parser refuses others),
    // so the difference cannot overflow.
    const std::int64_t age = wall_ms - t.ts_ms;
    if (age > settings_.max_tick_age_ms) {
      ++counters_.old_ticks;
      oldest_age = std::max(oldest_age, age);
      continue;
    }
    if (-age > settings_.max_tick_age_ms) {
      // From the future: a wrong clock here or there. Trading on it would
      // expire conditions that are still valid and stamp fills ahead of time.
      ++counters_.future_ticks;
      oldest_age = std::min(oldest_age, age);
      continue;
    }
    if (state_ == FeedLinkState::Stale) {
      // The first fresh trade after an outage is traded on normally: trading
      // resumes before it reaches the Sniper.
      spdlog::warn("{}: trades again after {} without one; trading resumes at {} {}", to_string(protocol_),
                   TimeFormat::seconds(now - last_tick_), symbols_.symbol(t.coin), t.price);
      set_state(FeedLinkState::Live);
    }
    last_tick_ = now;
    coin_last_tick_[t.coin] = now;
    if (coin_reported_stale_[t.coin]) {
      coin_reported_stale_[t.coin] = 0;
      spdlog::info("{}: {} trades again", to_string(protocol_), symbols_.symbol(t.coin));
    }
    ++counters_.ticks;
    listener_.on_price_tick(t.coin, t.price, t.ts_ms);
  }
  listener_.on_frame_end();
  // One more clock read per frame, none per tick: the latency histogram.
  const double took = std::chrono::duration<double>(Steady::now() - now).count();
  auto& c = counters_;
  ++c.latency_count;
  c.latency_sum_s += took;
  const auto& bounds = c.latency_bounds_s;
  ++c.latency_in[static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), took) - bounds.begin())];
  if (oldest_age != 0) {
    if (now - last_old_warning_ >= warning_period) {
      if (oldest_age > 0)
        spdlog::warn("{}: skipped {} trades older than {} ms (oldest {}); delayed data, or a wrong system clock",
                     to_string(protocol_), old_unreported_ + 1, settings_.max_tick_age_ms,
                     TimeFormat::seconds(std::chrono::milliseconds(oldest_age)));
      else
        spdlog::warn(
            "{}: skipped {} trades stamped more than {} ms ahead of this clock ({} ahead); a wrong "
            "system clock here or at the exchange",
            to_string(protocol_), old_unreported_ + 1, settings_.max_tick_age_ms,
            TimeFormat::seconds(std::chrono::milliseconds(-oldest_age)));
      last_old_warning_ = now;
      old_unreported_ = 0;
    } else {
      ++old_unreported_;
    }
  }
}

const Quote* MarketFeed::quote(CoinId coin) const {
  if (coin >= coin_quote_.size() || coin_quote_[coin].ts_ms == 0) return nullptr;
  return &coin_quote_[coin];
}

void MarketFeed::deliver_quote(std::string_view text) {
  const FeedQuote& fq = parser_.quote();
  // During a rotation both connections carry the book: an update older than
  // one already taken is dropped. Outside one the id is only recorded (an
  // exchange restart starts it again at 1: overwrite).
  std::int64_t& last_u = coin_last_quote_u_[fq.coin];
  if (fq.update_id > 0) {
    if ((draining_ || next_) && fq.update_id < last_u) {
      ++counters_.duplicate_quotes;
      return;
    }
    last_u = fq.update_id;
  }
  // The level-1 book: a snapshot replaces it, a delta changes the levels it
  // names. A book the message would leave crossed is a bad frame: the book
  // stays as it was.
  Quote& book = coin_quote_[fq.coin];
  const Quote next = fq.applied_to(book);
  if (next.crossed()) {
    ++counters_.bad[static_cast<std::size_t>(BadFrame::CrossedQuote)];
    report_bad_frame(BadFrame::CrossedQuote, text);
    return;
  }
  const std::int64_t wall_ms = wall_clock_.now_ms();
  // Bybit stamps its book with the matching engine's time: a delayed one is
  // no best price now, nor is one from the future. The book still takes it
  // (the next delta builds on it) but keeps its old arrival time, so a fill
  // never counts it as fresh; it is not delivered.
  const std::int64_t arrived = book.ts_ms;
  book = next;
  book.ts_ms = wall_ms;  // fills judge its age by the local clock (design.md §4.4)
  if (fq.ts_ms > 0) {
    const std::int64_t age = wall_ms - fq.ts_ms;  // both within 1970..9999: no overflow
    const bool old = age > settings_.max_tick_age_ms, future = -age > settings_.max_tick_age_ms;
    if (old || future) {
      ++(old ? counters_.old_quotes : counters_.future_quotes);
      book.ts_ms = arrived > 0 ? arrived : 1;  // 1: known, but never fresh
      return;
    }
  }
  ++counters_.quotes;
  listener_.on_quote(fq.coin, book);
}

void MarketFeed::report_bad_frame(BadFrame reason, std::string_view text) {
  // At most one warning a second, however fast bad frames come.
  const auto now = Steady::now();
  if (now - last_bad_warning_ < warning_period) {
    ++bad_unreported_;
    return;
  }
  last_bad_warning_ = now;
  const std::string more = bad_unreported_ ? fmt::format(" ({} more since the last warning)", bad_unreported_) : "";
  bad_unreported_ = 0;
  // The excerpt is network text: escaped, so a frame cannot write log lines of its own.
  spdlog::warn("{}: dropped a bad frame ({}){}: {}", to_string(protocol_), to_string(reason), more,
               TextGuard::printable(text, bad_frame_excerpt));
}

void MarketFeed::start_rotation(const std::string& why) {
  if (next_ || !active_ || !active_->live) return;
  spdlog::info("{}: rotating the connection ({}): opening the new one before closing the old", to_string(protocol_),
               why);
  next_ = open_link();
}

void MarketFeed::link_closed(Link& link, const std::string& reason) {
  ++counters_.disconnects;
  if (&link == draining_.get()) {
    draining_.reset();  // it had done its job
    return;
  }
  if (&link == next_.get()) {
    spdlog::warn("{}: the replacement connection failed ({}); the current one stays, trying again in {}",
                 to_string(protocol_), reason, TimeFormat::seconds(rotation_retry));
    next_.reset();
    rotate_retry_at_ = Steady::now() + rotation_retry;
    return;
  }
  if (&link != active_.get()) return;
  if (next_) {
    // The old connection went first (a server shutdown): the replacement takes over as soon as it is live.
    spdlog::warn("Disconnected from {}: {}; switching to the connection being opened", to_string(protocol_), reason);
    active_ = std::move(next_);
    if (active_->live) return link_live(*active_);
    set_state(FeedLinkState::Connecting);
    return;
  }
  lost(reason);
}

void MarketFeed::lost(const std::string& reason) {
  if (state_ == FeedLinkState::Stopped) return;
  active_.reset();
  next_.reset();
  draining_.reset();
  set_state(FeedLinkState::Disconnected);
  const auto delay = policy_.next_delay(Steady::now());
  spdlog::warn("Disconnected from {}: {}; retrying in {}", to_string(protocol_), reason, TimeFormat::seconds(delay));
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && state_ == FeedLinkState::Disconnected) connect();
  });
}

void MarketFeed::arm_watchdog() {
  watchdog_timer_.expires_after(watchdog_period);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || state_ == FeedLinkState::Stopped) return;
    watchdog();
    if (state_ != FeedLinkState::Stopped) arm_watchdog();
  });
}

// Returns through lost() when the link is found dead; the caller must not
// touch `link` afterwards.
void MarketFeed::check_link(Link& link, Steady::time_point now) {
  const LinkWatch::LinkVerdict v = watch_.check(link.times(), now);
  if (v.action == LinkWatch::LinkVerdict::Action::Dead) {
    if (&link == active_.get()) return lost(v.why);
    return link_closed(link, v.why);
  }
  if (v.action == LinkWatch::LinkVerdict::Action::Ping) {
    link.connection->send(fmt::format(R"({{"req_id":"ping-{}","op":"ping"}})", ++ping_seq_));
    link.last_ping = now;
    if (!link.awaiting_pong) link.awaiting_pong = now;
  }
}

void MarketFeed::watchdog() {
  const auto now = Steady::now();
  if (next_) check_link(*next_, now);
  if (active_) check_link(*active_, now);  // may end in lost(): re-check members below
  if (draining_ && now >= drain_until_) draining_.reset();

  std::string why;
  if (watch_.staleness(state_, last_tick_, now, why) == LinkWatch::Staleness::GoStale) {
    spdlog::warn("{}: {}", to_string(protocol_), why);
    set_state(FeedLinkState::Stale);
  }
  if (watch_.staleness(state_, last_tick_, now, why) == LinkWatch::Staleness::Recycle) return lost(why);

  if (state_ == FeedLinkState::Live) {
    const auto coin_stale = std::chrono::milliseconds(settings_.coin_stale_after_ms);
    for (std::size_t c = 0; c < coin_last_tick_.size(); ++c)
      if (!coin_reported_stale_[c] && now - coin_last_tick_[c] >= coin_stale) {
        coin_reported_stale_[c] = 1;
        spdlog::warn("{}: no trade on {} for {}", to_string(protocol_), symbols_.symbol(static_cast<CoinId>(c)),
                     TimeFormat::seconds(now - coin_last_tick_[c]));
      }
    if (active_ && watch_.rotation_due(active_->times(), next_ != nullptr, rotate_retry_at_, now))
      start_rotation("connection age " + TimeFormat::seconds(now - active_->live_at));
  }
}

}  // namespace tradingd
