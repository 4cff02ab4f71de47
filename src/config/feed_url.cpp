#include "tradingd/config/feed_url.hpp"

#include <algorithm>
#include <cctype>

namespace tradingd {

std::optional<FeedUrl> FeedUrl::parse(std::string_view url, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<FeedUrl> {
    if (error) *error = why;
    return std::nullopt;
  };
  // The host and target go into the WebSocket request line and Host header as
  // they are: a space, CR/LF or any byte outside printable ASCII would let a
  // config file write its own request or header.
  for (const char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F)
      return fail("may contain only printable ASCII without spaces (percent-encode anything else)");
  }
  FeedUrl u;
  if (url.rfind("wss://", 0) == 0) {
    u.tls = true;
    url.remove_prefix(6);
  } else if (url.rfind("ws://", 0) == 0) {
    u.tls = false;
    url.remove_prefix(5);
  } else {
    return fail("must start with ws:// or wss://");
  }
  const auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (u.target.front() == '?') u.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return fail("must not contain user info");

  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:443
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("has an unclosed '[' in the host");
    u.host = std::string(authority.substr(1, close - 1));
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("has text after the host");
      port = rest.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return fail("has no host");
  if (!port.empty()) {
    if (!std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) || port.size() > 5 ||
        std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535)
      return fail("has an invalid port");
    u.port = std::string(port);
  } else {
    u.port = u.tls ? "443" : "80";
  }
  return u;
}

std::string FeedUrl::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "wss://" : "ws://") + (v6 ? "[" + host + "]" : host) + ":" + port + target;
}

}  // namespace tradingd
