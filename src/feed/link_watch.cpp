#include "tradingd/feed/link_watch.hpp"

#include "tradingd/domain/time_format.hpp"

namespace tradingd {
namespace {

LinkWatch::LinkVerdict dead(std::string why) {
  return {LinkWatch::LinkVerdict::Action::Dead, std::move(why)};
}

}  // namespace

LinkWatch::LinkVerdict LinkWatch::check(const Link& link, Clock::time_point now) const {
  if (!link.open || !link.live) {
    if (now - link.opened_at >= settings_.subscribe_timeout)
      return dead(link.open ? "no subscription ack within " + TimeFormat::seconds(settings_.subscribe_timeout)
                            : "not connected within " + TimeFormat::seconds(settings_.subscribe_timeout));
    if (!link.open) return {};
  }
  if (settings_.client_pings) {
    if (link.awaiting_pong && now - *link.awaiting_pong >= settings_.pong_timeout)
      return dead("no data and no pong within " + TimeFormat::seconds(settings_.pong_timeout) + " of a ping");
    if (now - link.last_ping >= settings_.ping_interval) return {LinkVerdict::Action::Ping, {}};
    return {};
  }
  if (now - link.last_rx >= settings_.silence_timeout)
    return dead("no frame for " + TimeFormat::seconds(now - link.last_rx) + " (the server pings every 20 s)");
  return {};
}

LinkWatch::Staleness LinkWatch::staleness(FeedLinkState state, Clock::time_point last_tick, Clock::time_point now,
                                          std::string& why) const {
  const auto quiet = now - last_tick;
  if (state == FeedLinkState::Live && quiet >= settings_.stale_after) {
    why = "no trade for " + TimeFormat::seconds(quiet) + ": STALE, trading paused until the next one";
    return Staleness::GoStale;
  }
  if (state == FeedLinkState::Stale && quiet >= settings_.reconnect_after_stale) {
    why = "no trade for " + TimeFormat::seconds(quiet) + " (STALE): recycling the connection";
    return Staleness::Recycle;
  }
  return Staleness::Fresh;
}

bool LinkWatch::rotation_due(const Link& active, bool replacing, Clock::time_point retry_at,
                             Clock::time_point now) const {
  return active.live && !replacing && now >= retry_at && now - active.live_at >= settings_.rotate_after;
}

}  // namespace tradingd
