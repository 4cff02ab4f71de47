#include <catch2/catch.hpp>

#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"

using namespace tradingd;

namespace {

constexpr std::int64_t now = 1'764'158'400'000;  // 2025-11-26T12:00:00Z

struct Fixture {
  CoinTable coins{{"BTC", "ETH"}};
  RiskSettings risk;
  ConditionParser parser{coins, risk};
};

std::string with(const std::string& extra, const std::string& without = "") {
  // A valid condition; `extra` overrides or adds fields, `without` removes one.
  std::string fields[][2] = {{"id", "\"c1\""},
                             {"coin", "\"BTC\""},
                             {"direction", "\"LONG\""},
                             {"trigger_type", "\"ABOVE\""},
                             {"trigger_price", "42000"},
                             {"position_size_usd", "100"},
                             {"valid_until", "\"2026-11-26T12:05:00Z\""}};
  std::string out = "{";
  for (auto& f : fields) {
    if (f[0] == without || extra.find("\"" + f[0] + "\"") != std::string::npos) continue;
    out += "\"" + f[0] + "\":" + f[1] + ",";
  }
  out += extra.empty() ? "" : extra + ",";
  out.back() = '}';
  return out;
}

}  // namespace

TEST_CASE("a valid condition loads with defaults filled in", "[unit][conditions]") {
  Fixture f;
  const auto r = f.parser.parse_text("[" + with("") + "]", "c.json", now);
  REQUIRE(r.refused.empty());
  REQUIRE(r.accepted.size() == 1);
  const auto& c = r.accepted[0];
  CHECK(c.id == "c1");
  CHECK(c.coin == "BTC");
  CHECK(c.direction == Direction::Long);
  CHECK(c.trigger_type == TriggerType::Above);
  CHECK(c.trigger_price == 42000.0);
  CHECK(c.stop_loss_pct == 0.02);
  CHECK(c.take_profit_pct == 0.015);
  CHECK(c.valid_until_ms == 1'795'694'700'000);  // 2026-11-26T12:05:00Z
  CHECK(c.created_at_ms == now);
}

TEST_CASE("times are ISO-8601 UTC or epoch milliseconds", "[unit][conditions]") {
  Fixture f;
  auto r = f.parser.parse_text(with("\"valid_until\":1764158700000,\"created_at\":\"2025-11-26T12:00:00.250Z\""),
                               "c.json", now);
  REQUIRE(r.accepted.size() == 1);
  CHECK(r.accepted[0].valid_until_ms == 1'764'158'700'000);
  CHECK(r.accepted[0].created_at_ms == now + 250);
  r = f.parser.parse_text(with("\"valid_until\":\"2025-11-26T12:05:00+00:00\""), "c.json", now);
  REQUIRE(r.accepted.size() == 1);
  CHECK(r.accepted[0].valid_until_ms == now + 300'000);
}

TEST_CASE("each field rule refuses the condition and names the field, the others load", "[unit][conditions]") {
  struct Row {
    std::string extra, without, field;
  };
  const std::vector<Row> rows = {
      {"", "id", "id: is required"},
      {"\"id\":\"\"", "", "id: must be 1-64"},
      {"\"id\":\"" + std::string(65, 'a') + "\"", "", "id: must be 1-64"},
      {"\"id\":\"bad id\"", "", "id: may contain only"},
      {"\"id\":7", "", "id: must be a string"},
      {"", "coin", "coin: is required"},
      {"\"coin\":\"DOGE\"", "", "coin: 'DOGE' is not one of the configured"},
      {"\"direction\":\"UP\"", "", "direction: must be \"LONG\" or \"SHORT\""},
      {"\"trigger_type\":\"OVER\"", "", "trigger_type: must be \"ABOVE\" or \"BELOW\""},
      {"\"trigger_price\":0", "", "trigger_price: must be a real price (finite, from 1e-12 to 1e12)"},
      {"\"trigger_price\":-5", "", "trigger_price: must be a real price (finite, from 1e-12 to 1e12)"},
      {"\"trigger_price\":\"42000\"", "", "trigger_price: must be a number"},
      {"\"stop_loss_pct\":1", "", "stop_loss_pct: must be at least 0 (no stop-loss) and below 1"},
      {"\"stop_loss_pct\":-0.01", "", "stop_loss_pct: must be at least 0 (no stop-loss) and below 1"},
      {"\"take_profit_pct\":1.5", "", "take_profit_pct: must be at least 0 (no take-profit) and below 1"},
      {"\"stop_loss_pct\":0,\"take_profit_pct\":0", "",
       "stop_loss_pct: is 0, as is take_profit_pct, and there is no trailing_stop_pct or max_hold_ms: a condition "
       "needs at least one exit"},
      {"\"trailing_stop_pct\":0", "", "trailing_stop_pct: must be between 0 and 1 (exclusive)"},
      {"\"trailing_stop_pct\":1", "", "trailing_stop_pct: must be between 0 and 1 (exclusive)"},
      {"\"trailing_stop_pct\":\"1%\"", "", "trailing_stop_pct: must be a number"},
      {"\"trailing_activation_pct\":0.01", "", "trailing_activation_pct: needs trailing_stop_pct"},
      {"\"trailing_stop_pct\":0.01,\"trailing_activation_pct\":1", "",
       "trailing_activation_pct: must be at least 0 and below 1"},
      {"\"trailing_stop_pct\":0.01,\"trailing_activation_pct\":-0.5", "",
       "trailing_activation_pct: must be at least 0 and below 1"},
      {"\"max_hold_ms\":0", "", "max_hold_ms: must be a whole number of milliseconds > 0"},
      {"\"max_hold_ms\":-60000", "", "max_hold_ms: must be a whole number of milliseconds > 0"},
      {"\"max_hold_ms\":1e13", "", "max_hold_ms: must be a whole number of milliseconds > 0 and at most 10^12"},
      {"\"max_hold_ms\":1.5", "", "max_hold_ms: must be a whole number"},
      {"\"max_hold_ms\":\"60s\"", "", "max_hold_ms: must be a whole number"},
      {"\"max_hold_ms\":18446744073709551615", "", "max_hold_ms: is out of range"},
      {"\"oco_group\":\"pair 1\"", "", "oco_group: may contain only A-Z a-z 0-9 . _ : -"},
      {"\"oco_group\":\"\"", "", "oco_group: must be 1-64 characters"},
      {"\"oco_group\":\"" + std::string(65, 'g') + "\"", "", "oco_group: must be 1-64 characters"},
      {"\"oco_group\":7", "", "oco_group: must be a string"},
      {"\"position_size_usd\":0", "", "position_size_usd: must be at least 0.01 and at most 1e12"},
      {"", "position_size_usd", "position_size_usd: is required"},
      {"\"strategy_id\":\"" + std::string(65, 's') + "\"", "", "strategy_id: must be at most 64"},
      {"\"reasoning\":\"" + std::string(1025, 'r') + "\"", "", "reasoning: must be at most 1024"},
      {"", "valid_until", "valid_until: is required"},
      {"\"valid_until\":\"tomorrow\"", "", "valid_until: must be ISO-8601"},
      {"\"valid_until\":\"2025-11-26T11:00:00Z\"", "", "valid_until: must be later than created_at"},
      {"\"created_at\":\"2025-11-26T12:10:00Z\",\"valid_until\":\"2025-11-26T12:05:00Z\"", "",
       "valid_until: must be later than created_at"},
      {"\"stop_los_pct\":0.01", "", "stop_los_pct: is not a condition field"},
  };
  Fixture f;
  for (const auto& row : rows) {
    CAPTURE(row.field);
    const std::string good = R"({"id":"ok","coin":"ETH","direction":"SHORT","trigger_type":"BELOW",)"
                             R"("trigger_price":2200,"position_size_usd":50,"valid_until":"2030-01-01T00:00:00Z"})";
    const auto r = f.parser.parse_text("[" + with(row.extra, row.without) + "," + good + "]", "c.json", now);
    REQUIRE(r.refused.size() == 1);
    CHECK_THAT(r.refused[0], Catch::Contains("c.json: condition #1"));
    CHECK_THAT(r.refused[0], Catch::Contains(row.field));
    REQUIRE(r.accepted.size() == 1);
    CHECK(r.accepted[0].id == "ok");
  }
}

TEST_CASE("a conditions file that is not a JSON array of objects is a start-up error", "[unit][conditions]") {
  Fixture f;
  CHECK_THROWS_AS(f.parser.parse_text("[{", "c.json", now), ConfigError);
  CHECK_THROWS_WITH(f.parser.parse_text("[{", "c.json", now), Catch::Contains("c.json:1: not valid JSON"));
  CHECK_THROWS_WITH(f.parser.parse_text("42", "c.json", now), Catch::Contains("expected a JSON array"));
  CHECK_THROWS_WITH(f.parser.parse_file("/nonexistent.json", now), Catch::Contains("cannot open conditions file"));
  const auto r = f.parser.parse_text("[3]", "c.json", now);
  REQUIRE(r.refused.size() == 1);
  CHECK_THAT(r.refused[0], Catch::Contains("must be a JSON object"));
}

TEST_CASE("trailing stops, time limits and OCO groups are read, stop-loss or take-profit 0 means none",
          "[unit][conditions]") {
  Fixture f;
  const auto r = f.parser.parse_text(
      "[" +
          with("\"id\":\"t1\",\"stop_loss_pct\":0,\"take_profit_pct\":0,\"trailing_stop_pct\":0.01,"
               "\"trailing_activation_pct\":0.005,\"max_hold_ms\":600000,\"oco_group\":\"pair-1\"") +
          "," + with("\"id\":\"t2\",\"stop_loss_pct\":0,\"trailing_stop_pct\":0.02") + "," +
          with("\"id\":\"t3\",\"stop_loss_pct\":0,\"take_profit_pct\":0,\"max_hold_ms\":6e4") + "," +
          with("\"id\":\"t4\"") + "]",
      "c.json", now);
  INFO((r.refused.empty() ? "" : r.refused[0]));
  REQUIRE(r.accepted.size() == 4);
  const TradeCondition& t1 = r.accepted[0];
  CHECK(t1.stop_loss_pct == 0.0);
  CHECK(t1.take_profit_pct == 0.0);
  CHECK(t1.trailing_stop_pct == 0.01);
  CHECK(t1.trailing_activation_pct == 0.005);
  CHECK(t1.max_hold_ms == 600000);
  CHECK(t1.oco_group == "pair-1");
  const TradeCondition& t2 = r.accepted[1];
  CHECK(t2.stop_loss_pct == 0.0);
  CHECK(t2.take_profit_pct == 0.015);        // the [risk] default
  CHECK(t2.trailing_activation_pct == 0.0);  // a trail without one is active from entry
  CHECK_FALSE(t2.max_hold_ms.has_value());
  CHECK(t2.oco_group.empty());
  CHECK(r.accepted[2].max_hold_ms == 60000);
  const TradeCondition& t4 = r.accepted[3];  // none of the new fields
  CHECK_FALSE(t4.trailing_stop_pct.has_value());
  CHECK_FALSE(t4.trailing_activation_pct.has_value());
  CHECK_FALSE(t4.max_hold_ms.has_value());
}

TEST_CASE("a key given twice is refused naming it, whole, whichever value comes last", "[unit][conditions][input]") {
  Fixture f;
  // nlohmann would keep the last: "LONG" then "SHORT" armed SHORT.
  const std::string twice = R"({"id":"c1","coin":"BTC","direction":"LONG","direction":"SHORT","trigger_type":"ABOVE",)"
                            R"("trigger_price":42000,"position_size_usd":100,"valid_until":"2026-11-26T12:05:00Z"})";
  CHECK_THROWS_WITH(
      f.parser.parse_text("[" + with("") + "," + twice + "]", "c.json", now),
      Catch::Contains("c.json: condition #2 has the key \"direction\" twice; refusing the whole document"));
  CHECK_THROWS_WITH(f.parser.parse_text(twice, "request body", now),
                    Catch::Contains("condition #1 has the key \"direction\" twice"));
  // The same key in two conditions, or at two depths, is no duplicate.
  const auto r = f.parser.parse_text("[" + with("") + "," + with("\"id\":\"c2\"") + "]", "c.json", now);
  CHECK(r.accepted.size() == 2);
}

TEST_CASE("integers out of range say so, text limits count characters", "[unit][conditions][input]") {
  Fixture f;
  const auto refused = [&](const std::string& extra) {
    const auto r = f.parser.parse_text("[" + with(extra) + "]", "c.json", now);
    return r.refused.empty() ? std::string("(accepted)") : r.refused[0];
  };
  CHECK_THAT(refused(R"("max_hold_ms":10000000000000000000)"), Catch::Contains("max_hold_ms: is out of range"));
  CHECK_THAT(refused(R"("max_hold_ms":1e30)"), Catch::Contains("max_hold_ms: is out of range"));
  CHECK_THAT(refused(R"("max_hold_ms":1.5)"), Catch::Contains("max_hold_ms: must be a whole number"));
  // 64 characters of two bytes each fit (OpenAPI maxLength counts characters); 65 do not.
  std::string s64, s65;
  for (int i = 0; i < 64; ++i) s64 += "\xC3\xA9";  // é
  s65 = s64 + "e";
  CHECK(refused("\"strategy_id\":\"" + s64 + "\"") == "(accepted)");
  CHECK_THAT(refused("\"strategy_id\":\"" + s65 + "\""), Catch::Contains("strategy_id: must be at most 64 characters"));
  std::string r1024;
  for (int i = 0; i < 1024; ++i) r1024 += "\xE2\x82\xAC";  // €, three bytes
  CHECK(refused("\"reasoning\":\"" + r1024 + "\"") == "(accepted)");
  CHECK_THAT(refused("\"reasoning\":\"" + r1024 + "x\""), Catch::Contains("reasoning: must be at most 1024"));
}
