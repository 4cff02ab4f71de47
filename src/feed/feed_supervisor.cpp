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

FailoverPolicy::Settings policy_settings(const Settings& s) {
  FailoverPolicy::Settings p;
  p.failover_after = std::chrono::milliseconds(s.exchange.failover_after_ms);
  p.failback_after = std::chrono::milliseconds(s.exchange.failback_after_ms);
  p.has_fallback = !s.exchange.fallback.empty();
  p.primary_name = std::string(to_string(protocol_of(s.exchange.primary)));
  if (p.has_fallback) p.fallback_name = std::string(to_string(protocol_of(s.exchange.fallback)));
  return p;
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
    : settings_(settings),
      symbols_(symbols),
      listener_(listener),
      taps_{Tap(*this, 0), Tap(*this, 1)},
      policy_(policy_settings(settings)),
      timer_(io) {
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
  policy_.start(Steady::now());
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
  const bool primary_live = feeds_[0]->state() == FeedLinkState::Live;
  const bool fallback_live = feeds_[1] && feeds_[1]->state() == FeedLinkState::Live;
  const FailoverPolicy::Decision d = policy_.evaluate(Steady::now(), primary_live, fallback_live);
  if (d.none()) return;
  MarketFeed& fallback = *feeds_[1];
  if (d.drive) drive(*d.drive, d.why);
  if (d.stop_fallback) {
    if (!d.drive) spdlog::info("{}: {} stopped", d.why, to_string(fallback.protocol()));
    fallback.stop();
  }
  if (d.start_fallback) {
    spdlog::warn("{}: connecting to the fallback {}", d.why, to_string(fallback.protocol()));
    fallback.start();
  }
}

}  // namespace tradingd
