// QueryString: the one reader of every endpoint's query.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tradingd/api/query_string.hpp"

using namespace tradingd;

namespace {

QueryString parsed(std::string_view target, std::string_view keys) {
  auto q = QueryString::parse(target, keys);
  REQUIRE(std::holds_alternative<QueryString>(q));
  return std::get<QueryString>(std::move(q));
}

std::string refusal(std::string_view target, std::string_view keys) {
  auto q = QueryString::parse(target, keys);
  REQUIRE(std::holds_alternative<ApiResponse>(q));
  const auto& r = std::get<ApiResponse>(q);
  CHECK(r.status == 400);
  return nlohmann::json::parse(r.body).at("error").get<std::string>();
}

}  // namespace

TEST_CASE("a query's values are percent-decoded, a bare key is present and empty, other keys are ignored",
          "[unit][api]") {
  const auto q = parsed("/x?a=1%2C2&b=one+two&&c&other=%zz", "a,b,c,d");
  CHECK(q.get("a") == "1,2");
  CHECK(q.get("b") == "one two");
  CHECK(q.get("c") == "");
  CHECK_FALSE(q.get("d"));
  CHECK_FALSE(q.get("other"));  // not the endpoint's: not read, so its broken escape does not matter
  CHECK(parsed("/x", "a").empty());
  CHECK(parsed("/x?", "a").empty());
  CHECK(parsed("/x?=1", "a").empty());
  // An endpoint that takes no query ignores one, whatever it holds.
  CHECK(parsed("/x?a=1&a=2&b=%", "").empty());
}

TEST_CASE("a query is refused whole: a key twice, a broken escape in a value the endpoint reads", "[unit][api]") {
  CHECK(refusal("/x?a=1&a=2", "a") == "the query names 'a' twice; give it once");
  CHECK(refusal("/x?z=1&z", "a") == "the query names 'z' twice; give it once");  // any key: which was meant?
  CHECK(refusal("/x?a=%4", "a").find("broken %-escape") != std::string::npos);
  CHECK(refusal("/x?a=%g1", "a").find("broken %-escape") != std::string::npos);
  // What a client sent is quoted printable, never raw.
  const auto escaped = refusal("/x?%1b[2J=1&%1b[2J=2", "a");
  CHECK(escaped.find('\x1b') == std::string::npos);
  CHECK(escaped.find("[2J") != std::string::npos);
}

TEST_CASE("numbers in a query are all of the text, whole or finite", "[unit][api]") {
  CHECK(QueryString::whole_number("42") == 42);
  CHECK(QueryString::whole_number("-3") == -3);
  CHECK_FALSE(QueryString::whole_number(""));
  CHECK_FALSE(QueryString::whole_number("4x"));
  CHECK_FALSE(QueryString::whole_number("4.0"));
  CHECK_FALSE(QueryString::whole_number("99999999999999999999"));
  CHECK(QueryString::number("2.5") == 2.5);
  CHECK_FALSE(QueryString::number("inf"));
  CHECK_FALSE(QueryString::number("nan"));
  CHECK_FALSE(QueryString::number("1e999"));
  CHECK_FALSE(QueryString::number(""));
  CHECK(QueryString::percent_decode("a%20b+c", QueryString::Plus::IsPlus) == "a b+c");
  CHECK(QueryString::percent_decode("a%20b+c", QueryString::Plus::IsSpace) == "a b c");
  CHECK_FALSE(QueryString::percent_decode("%", QueryString::Plus::IsSpace));
}
