#pragma once
// QueryString: a request's query ("/trades?hours=2&limit=5"), read the one way
// every endpoint reads it: the values of the keys the endpoint takes,
// percent-decoded ('+' as a space). It is refused whole (400) when a key comes
// twice ("?kinds=A&kinds=B": which one was meant cannot be known) or a value
// it reads has a broken escape. Keys the endpoint does not take are ignored,
// and an endpoint that takes none ignores its query. A plain value: built on
// the io thread, read on any.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tradingd/api/api_response.hpp"

namespace tradingd {

class QueryString {
 public:
  QueryString() = default;

  // The query of `target`, or the refusal. `keys`: the keys the endpoint
  // takes, comma-separated ("hours,limit"; "" for none).
  static std::variant<QueryString, ApiResponse> parse(std::string_view target, std::string_view keys);

  // The decoded value of `key`; nullopt when absent, "" for a bare "?key" or "key=".
  [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const;
  [[nodiscard]] bool empty() const { return pairs_.empty(); }

  // All of `text` as a whole number, or nullopt ("5", "-3"; not "5x", "", "5.0").
  static std::optional<std::int64_t> whole_number(std::string_view text);
  // All of `text` as a finite number, or nullopt (not "inf", "nan", "1e999").
  static std::optional<double> number(std::string_view text);
  // What a '+' means: a space in a query (HTML forms' encoding), itself in a path (RFC 3986).
  enum class Plus : std::uint8_t { IsSpace, IsPlus };
  // %XX decoded; nullopt for a broken escape.
  static std::optional<std::string> percent_decode(std::string_view text, Plus plus);

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;  // in the order given, each key once
};

}  // namespace tradingd
