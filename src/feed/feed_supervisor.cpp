#include "tradingd/feed/feed_supervisor.hpp"

#include <spdlog/spdlog.h>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/time_format.hpp"

namespace tradingd {
namespace {

constexpr auto evaluate_period = std::chrono::milliseconds(100);

FeedProtocol protocol_of(const std::string& name) {
  return name == "binance" ? FeedProtocol::Binance : FeedProtocol::Bybit;
}

const std::string& url_of(const Settings& s, FeedProtocol p) {
  return p == FeedProtocol::Bybit ? s.exchange.bybit_url : s.exchange.binance_url;
}

std::string seconds(std::chrono::steady_clock::duration d) {
  return TimeFormat::seconds(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

}  // namespace

void FeedSupervisor::Tap::on_price_tick(CoinId coin, double price, std::int64_t ts_ms) noexcept {
  // The hot path: one comparison decides whether this exchange drives.
  if (index == supervisor.driver_) supervisor.listener_.on_price_tick(coin, price, ts_ms);
}

void FeedSupervisor::Tap::on_quote(CoinId coin, const Quote& quote) noexcept {
  if (index == supervisor.driver_) supervisor.listener_.on_quote(coin, quote);
}

void FeedSupervisor::Tap::on_feed_state(FeedProtocol exchange, FeedLinkState state) {
  if (index == supervisor.driver_) supervisor.listener_.on_feed_state(exchange, state);
  if (supervisor.running_ && !supervisor.evaluating_) supervisor.evaluate();
}

FeedSupervisor::FeedSupervisor(boost::asio::io_context& io, const Settings& settings, const SymbolTable& symbols,
                               const Clock& wall_clock, FeedListener& listener)
    : settings_(settings), symbols_(symbols), listener_(listener), taps_{Tap(*this, 0), Tap(*this, 1)}, timer_(io) {
  const FeedProtocol primary = protocol_of(settings.exchange.primary);
  std::optional<FeedProtocol> fallback;
  if (!settings.exchange.fallback.empty()) fallback = protocol_of(settings.exchange.fallback);
  const bool any_tls = url_of(settings, primary).rfind("wss://", 0) == 0 ||
                       (fallback && url_of(settings, *fallback).rfind("wss://", 0) == 0);
  // Built before anything runs: a CA file that cannot be read stops start-up.
  auto tls = any_tls ? FeedConnection::make_tls_context(settings.tls) : nullptr;
  const bool quotes = settings.paper.fill_on == FillOn::Quote;
  feeds_[0] = std::make_unique<MarketFeed>(io, primary, url_of(settings, primary), symbols, tls, settings.feed,
                                           settings.health.stale_after_ms, wall_clock, taps_[0], quotes);
  if (fallback)
    feeds_[1] = std::make_unique<MarketFeed>(io, *fallback, url_of(settings, *fallback), symbols, tls, settings.feed,
                                             settings.health.stale_after_ms, wall_clock, taps_[1], quotes);
}

FeedSupervisor::~FeedSupervisor() = default;

void FeedSupervisor::start() {
  running_ = true;
  primary_down_since_ = Steady::now();
  spdlog::info("Feed: {} drives ({}){}", to_string(feeds_[0]->protocol()), feeds_[0]->url(),
               feeds_[1] ? fmt::format("; {} is the fallback after {} ms down ({})", to_string(feeds_[1]->protocol()),
                                       settings_.exchange.failover_after_ms, feeds_[1]->url())
                         : std::string("; no fallback"));
  feeds_[0]->start();
  arm_timer();
}

void FeedSupervisor::stop() {
  running_ = false;
  timer_.cancel();
  for (auto& f : feeds_)
    if (f) f->stop();
}

void FeedSupervisor::arm_timer() {
  timer_.expires_after(evaluate_period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    evaluate();
    arm_timer();
  });
}

void FeedSupervisor::drive(std::size_t index, const std::string& why) {
  driver_ = index;
  const MarketFeed& f = *feeds_[index];
  if (index == 1)
    spdlog::warn("Failing over to {}: {}", to_string(f.protocol()), why);
  else
    spdlog::info("Failing back to {}: {}", to_string(f.protocol()), why);
  listener_.on_feed_state(f.protocol(), f.state());
  // Fills now read the new driver's book: its latest quote per coin, or none
  // (an empty quote clears the slot) rather than the other exchange's.
  if (f.streams_quotes())
    for (std::size_t c = 0; c < symbols_.size(); ++c) {
      const Quote* q = f.quote(static_cast<CoinId>(c));
      listener_.on_quote(static_cast<CoinId>(c), q ? *q : Quote{});
    }
}

void FeedSupervisor::evaluate() {
  evaluating_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{evaluating_};
  const auto now = Steady::now();
  MarketFeed& primary = *feeds_[0];
  const bool primary_live = primary.state() == FeedLinkState::Live;
  const auto failover_after = std::chrono::milliseconds(settings_.exchange.failover_after_ms);
  const auto failback_after = std::chrono::milliseconds(settings_.exchange.failback_after_ms);
  if (primary_live) {
    if (!primary_live_since_) {
      primary_live_since_ = now;
      if (primary_down_since_ && primary_ever_live_) {
        primary_down_before_ += now - *primary_down_since_;
        ++primary_short_lives_;
      }
      primary_down_since_.reset();
      primary_ever_live_ = true;
    }
    // A primary that comes back is trusted again only once it has stayed live
    // as long as the failover clock. Until then its down time adds up across
    // reconnects: one that connects, sends a burst and stalls again (flapping)
    // is failed over however briefly it looks live each time.
    if (now - *primary_live_since_ >= failover_after) {
      primary_down_before_ = Steady::duration::zero();
      primary_short_lives_ = 0;
    }
  } else {
    primary_live_since_.reset();
    if (!primary_down_since_) primary_down_since_ = now;
  }
  if (!feeds_[1]) return;
  MarketFeed& fallback = *feeds_[1];

  if (driver_ == 0) {
    const auto down = primary_down_before_ + (primary_down_since_ ? now - *primary_down_since_ : Steady::duration{});
    if (primary_live && primary_down_before_ == Steady::duration::zero() && fallback_running_) {
      // The primary proved itself before the fallback took over.
      spdlog::info("{} is live again before {} took over: {} stopped", to_string(primary.protocol()),
                   to_string(fallback.protocol()), to_string(fallback.protocol()));
      fallback_running_ = false;
      fallback.stop();
    }
    if (primary_live || down < failover_after) return;
    const std::string why =
        primary_short_lives_ == 0
            ? fmt::format("{} has not been live for {}", to_string(primary.protocol()), seconds(down))
            : fmt::format("{} has been down {} in all since it last stayed live for {} ({} short-lived connection{})",
                          to_string(primary.protocol()), seconds(down), seconds(failover_after), primary_short_lives_,
                          primary_short_lives_ == 1 ? "" : "s");
    if (!fallback_running_) {
      spdlog::warn("{}: connecting to the fallback {}", why, to_string(fallback.protocol()));
      fallback_running_ = true;
      fallback.start();
    }
    if (fallback.state() == FeedLinkState::Live) drive(1, why);
    return;
  }

  // The fallback drives: go back as soon as the primary has proven itself, or
  // at once if the fallback itself is down while the primary is live.
  const bool fallback_live = fallback.state() == FeedLinkState::Live;
  if (primary_live && (now - *primary_live_since_ >= failback_after || !fallback_live)) {
    drive(0, fallback_live ? fmt::format("live again for {}", seconds(now - *primary_live_since_))
                           : fmt::format("{} is down and {} is live", to_string(fallback.protocol()),
                                         to_string(primary.protocol())));
    fallback_running_ = false;
    fallback.stop();
  }
}

}  // namespace tradingd
