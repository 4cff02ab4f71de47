#include <catch2/catch.hpp>

#include "tradingd/config/feed_url.hpp"

using tradingd::FeedUrl;

TEST_CASE("FeedUrl splits exchange URLs into host, port and target", "[feed]") {
  auto u = FeedUrl::parse("wss://stream.bybit.com/v5/public/spot");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->host == "stream.bybit.com");
  CHECK(u->port == "443");
  CHECK(u->target == "/v5/public/spot");

  u = FeedUrl::parse("wss://stream.binance.com:9443");
  REQUIRE(u);
  CHECK(u->host == "stream.binance.com");
  CHECK(u->port == "9443");
  CHECK(u->target == "/");

  u = FeedUrl::parse("ws://127.0.0.1:18080/stream?streams=btcusdt@trade");
  REQUIRE(u);
  CHECK_FALSE(u->tls);
  CHECK(u->port == "18080");
  CHECK(u->target == "/stream?streams=btcusdt@trade");

  u = FeedUrl::parse("ws://[::1]:9000/ws");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->to_string() == "ws://[::1]:9000/ws");
}

TEST_CASE("FeedUrl refuses what it cannot connect to, saying why", "[feed]") {
  std::string why;
  CHECK_FALSE(FeedUrl::parse("https://stream.bybit.com", &why));
  CHECK(why == "must start with ws:// or wss://");
  CHECK_FALSE(FeedUrl::parse("wss://", &why));
  CHECK(why == "has no host");
  CHECK_FALSE(FeedUrl::parse("wss://host:99999/x", &why));
  CHECK(why == "has an invalid port");
  CHECK_FALSE(FeedUrl::parse("wss://host:12ab", &why));
  CHECK_FALSE(FeedUrl::parse("wss://user:pw@host/", &why));
}
