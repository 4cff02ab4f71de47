#pragma once
// FeedUrl: a ws:// or wss:// URL split into what the connection needs: the
// scheme decides TLS, the host is both what is resolved and the SNI / verified
// name, the port defaults to 80 / 443, and the target is the HTTP request path.

#include <optional>
#include <string>
#include <string_view>

namespace tradingd {

struct FeedUrl {
  bool tls = true;
  std::string host;    // no port, no brackets
  std::string port;    // always set
  std::string target;  // starts with '/'

  // nullopt and `error` set when `url` is not a usable ws:// or wss:// URL.
  static std::optional<FeedUrl> parse(std::string_view url, std::string* error = nullptr);
  [[nodiscard]] std::string to_string() const;
};

}  // namespace tradingd
