#include "tradingd/feed/market_feed.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "tradingd/app/settings.hpp"

namespace tradingd {
namespace {

constexpr auto bad_frame_warning_period = std::chrono::seconds(1);
constexpr std::size_t bad_frame_excerpt = 160;

// Binance names every stream in the URL of one combined connection:
//   wss://host:9443/stream?streams=btcusdt@trade/ethusdt@trade
std::string binance_target(std::string path, const SymbolTable& symbols) {
  if (path.find('?') != std::string::npos) return path;  // the user chose the streams
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() < 7 || path.compare(path.size() - 7, 7, "/stream") != 0) path += "/stream";
  path += "?streams=";
  for (std::size_t id = 0; id < symbols.size(); ++id) {
    std::string s = symbols.symbol(static_cast<CoinId>(id));
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (id) path += '/';
    path += s + "@trade";
  }
  return path;
}

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:g} s", d.count() / 1000.0);
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
    case FeedLinkState::Disconnected:
      return "disconnected";
  }
  return "?";
}

std::uint64_t FeedCounters::bad_total() const {
  std::uint64_t n = 0;
  for (auto b : bad) n += b;
  return n;
}

MarketFeed::MarketFeed(boost::asio::io_context& io, FeedProtocol protocol, const std::string& url,
                       const SymbolTable& symbols, std::shared_ptr<boost::asio::ssl::context> tls,
                       const FeedSettings& settings, FeedListener& listener)
    : io_(io),
      protocol_(protocol),
      symbols_(symbols),
      settings_(settings),
      listener_(listener),
      tls_(std::move(tls)),
      parser_(protocol, symbols),
      retry_timer_(io),
      ping_timer_(io),
      backoff_(settings.backoff_initial_ms) {
  std::string error;
  auto parsed = FeedUrl::parse(url, &error);
  if (!parsed) throw std::invalid_argument(std::string(to_string(protocol)) + " url " + url + ": " + error);
  url_ = std::move(*parsed);
  if (protocol_ == FeedProtocol::Binance) url_.target = binance_target(url_.target, symbols_);
}

MarketFeed::~MarketFeed() {
  if (connection_) connection_->close();
}

void MarketFeed::start() {
  connect();
}

void MarketFeed::stop() {
  if (state_ == FeedLinkState::Stopped) return;
  const bool was_live = state_ == FeedLinkState::Live;
  state_ = FeedLinkState::Stopped;
  retry_timer_.cancel();
  ping_timer_.cancel();
  if (connection_) connection_->close();
  connection_.reset();
  if (was_live) listener_.on_feed_down(protocol_);
  const auto& c = counters_;
  spdlog::info(
      "Feed {} stopped: {} ticks in {} frames, {} bad frames (invalid_json {}, missing_field {}, bad_price {}, "
      "unknown_symbol {}), {} connection attempts",
      to_string(protocol_), c.ticks, c.frames, c.bad_total(), c.bad[0], c.bad[1], c.bad[2], c.bad[3], c.connects);
}

void MarketFeed::connect() {
  state_ = FeedLinkState::Connecting;
  ++counters_.connects;
  pending_.clear();
  subscribed_ = 0;
  connection_ = FeedConnection::open(io_, url_, tls_, *this);
}

void MarketFeed::on_open() {
  if (protocol_ == FeedProtocol::Bybit) {
    subscribe_bybit();
    arm_ping();
  } else {
    // The streams are in the URL: data flows without a request.
    subscribed_ = symbols_.size();
    go_live();
  }
}

void MarketFeed::subscribe_bybit() {
  // At most 10 args a request (PROTOCOLS.md): a longer one is refused whole.
  for (std::size_t first = 0; first < symbols_.size(); first += bybit_args_per_request) {
    PendingRequest req{fmt::format("sub-{}", ++request_seq_), {}};
    std::string args;
    for (std::size_t id = first; id < std::min(symbols_.size(), first + bybit_args_per_request); ++id) {
      if (!args.empty()) args += ',';
      args += "\"publicTrade." + symbols_.symbol(static_cast<CoinId>(id)) + "\"";
      req.coins.push_back(static_cast<CoinId>(id));
    }
    connection_->send(fmt::format(R"({{"req_id":"{}","op":"subscribe","args":[{}]}})", req.req_id, args));
    pending_.push_back(std::move(req));
  }
}

void MarketFeed::on_subscribe_reply(const FrameResult& r) {
  const auto it = std::find_if(pending_.begin(), pending_.end(), [&](const auto& p) { return p.req_id == r.req_id; });
  if (it == pending_.end()) {
    if (r.kind == FrameKind::SubscribeFailed)
      spdlog::warn("{} refused a request (req_id '{}'): {}", to_string(protocol_), r.req_id, r.message);
    return;
  }
  if (r.kind == FrameKind::SubscribeAck) {
    subscribed_ += it->coins.size();
  } else {
    // Bybit names the refused topics in ret_msg ("Invalid symbol :[publicTrade.XUSDT]"); when it names none,
    // the whole request was refused ("args size >10").
    std::vector<CoinId> refused;
    for (CoinId id : it->coins)
      if (r.message.find("publicTrade." + symbols_.symbol(id)) != std::string_view::npos) refused.push_back(id);
    if (refused.empty()) refused = it->coins;
    subscribed_ += it->coins.size() - refused.size();
    for (CoinId id : refused)
      spdlog::error("{} refused the subscription to publicTrade.{}: {}; {} gets no prices", to_string(protocol_),
                    symbols_.symbol(id), r.message, symbols_.symbol(id));
  }
  pending_.erase(it);
  if (!pending_.empty() || state_ != FeedLinkState::Connecting) return;
  if (subscribed_ == 0) return lost("no subscription accepted");
  go_live();
}

void MarketFeed::go_live() {
  state_ = FeedLinkState::Live;
  backoff_ = std::chrono::milliseconds(settings_.backoff_initial_ms);
  spdlog::info("Connected to {} ({}), subscribed to {} coins", to_string(protocol_), url_.to_string(), subscribed_);
  listener_.on_feed_live(protocol_);
}

void MarketFeed::arm_ping() {
  ping_timer_.expires_after(bybit_ping_interval);
  ping_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !connection_) return;
    connection_->send(fmt::format(R"({{"req_id":"ping-{}","op":"ping"}})", ++ping_seq_));
    arm_ping();
  });
}

void MarketFeed::on_frame(std::string_view text) {
  ++counters_.frames;
  const FrameResult r = parser_.parse(text);
  switch (r.kind) {
    case FrameKind::Trades:
      for (const FeedTick& t : parser_.ticks()) listener_.on_price_tick(t.coin, t.price, t.ts_ms);
      counters_.ticks += parser_.ticks().size();
      break;
    case FrameKind::Bad:
      ++counters_.bad[static_cast<std::size_t>(r.bad)];
      report_bad_frame(r.bad, text);
      break;
    case FrameKind::SubscribeAck:
    case FrameKind::SubscribeFailed:
      on_subscribe_reply(r);
      break;
    case FrameKind::ServerShutdown:
      spdlog::info("{} announced a server shutdown; reconnecting", to_string(protocol_));
      backoff_ = std::chrono::milliseconds(0);
      lost("server shutdown announced");
      break;
    case FrameKind::Pong:
    case FrameKind::Ignored:
      break;
  }
}

void MarketFeed::report_bad_frame(BadFrame reason, std::string_view text) {
  // At most one warning a second, however fast bad frames come.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_bad_warning_ < bad_frame_warning_period) {
    ++bad_unreported_;
    return;
  }
  last_bad_warning_ = now;
  const std::string more = bad_unreported_ ? fmt::format(" ({} more since the last warning)", bad_unreported_) : "";
  bad_unreported_ = 0;
  spdlog::warn("{}: dropped a bad frame ({}){}: {}{}", to_string(protocol_), to_string(reason), more,
               text.substr(0, bad_frame_excerpt), text.size() > bad_frame_excerpt ? "..." : "");
}

void MarketFeed::on_closed(const std::string& reason) {
  lost(reason);
}

void MarketFeed::lost(const std::string& reason) {
  if (state_ == FeedLinkState::Stopped) return;
  const bool was_live = state_ == FeedLinkState::Live;
  ++counters_.disconnects;
  ping_timer_.cancel();
  if (connection_) connection_->close();
  connection_.reset();
  state_ = FeedLinkState::Disconnected;
  if (was_live) listener_.on_feed_down(protocol_);

  const auto delay = backoff_;
  spdlog::warn("Disconnected from {}: {}; retrying in {}", to_string(protocol_), reason, seconds_text(delay));
  backoff_ = std::min(std::max(backoff_ * 2, std::chrono::milliseconds(settings_.backoff_initial_ms)),
                      std::chrono::milliseconds(settings_.backoff_max_ms));
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && state_ == FeedLinkState::Disconnected) connect();
  });
}

}  // namespace tradingd
