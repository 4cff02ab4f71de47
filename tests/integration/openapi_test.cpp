// docs/openapi.yaml against a running daemon: GET /openapi.json serves it, it is
// valid OpenAPI 3.1, and the real answers of every endpoint (each status a
// client meets) match the schemas it gives them, so the document cannot drift
// from the code. The validating is done by tests/support/validate_openapi.py
// with openapi-spec-validator and openapi-schema-validator.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "api_run.hpp"
#include "events_client.hpp"

using namespace tradingd::test;
using json = nlohmann::json;

namespace {

// Every request and answer of the test, for validate_openapi.py.
struct Exchanges {
  json list = json::array();
  unsigned short port = 0;

  // `path` is what is sent, `template_path` the document's path for it.
  HttpReply call(const std::string& method, const std::string& path, const std::string& template_path,
                 const std::string& body = "", bool with_token = true) {
    HttpReply r =
        http(port, method, path, body, with_token ? std::vector<std::string>{auth} : std::vector<std::string>{});
    json request = nullptr;
    if (!body.empty()) request = json::parse(body, nullptr, false);
    if (request.is_discarded()) request = nullptr;  // not JSON: only the answer is checked
    const json answer = json::parse(r.body, nullptr, false);
    INFO(method << " " << path << " answered " << r.status << ": " << r.body);
    REQUIRE_FALSE(answer.is_discarded());
    std::string lower = method;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    list.push_back(
        {{"method", lower}, {"path", template_path}, {"status", r.status}, {"body", answer}, {"request", request}});
    return r;
  }
};

}  // namespace

TEST_CASE("api: docs/openapi.yaml is valid OpenAPI 3.1, served at /openapi.json, and every answer matches it",
          "[integration][api][openapi]") {
  REQUIRE(TestProcess::run({"/bin/sh", "-c", "python3 -c 'import openapi_spec_validator, openapi_schema_validator'"},
                           std::filesystem::temp_directory_path(), "openapi-python") == 0);
  ApiRun run("api-openapi");
  SimProcess sim(run.sim_args({"--plain", "--rate", "40", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  Exchanges x{json::array(), run.port};

  // The document served is docs/openapi.yaml of this revision.
  const auto doc = x.call("GET", "/openapi.json", "/openapi.json");
  REQUIRE(doc.status == 200);
  const json served = json::parse(doc.body);
  CHECK(served["openapi"] == "3.1.0");
  for (const char* p : {"/health", "/status", "/conditions", "/conditions/{id}", "/positions", "/positions/{id}/close",
                        "/halt", "/resume", "/flatten", "/trades", "/metrics", "/openapi.json", "/events", "/clock",
                        "/clock/advance", "/clock/finish"})
    CHECK(served["paths"].contains(p));

  const auto far = run.condition_body("far-1", 500);
  CHECK(x.call("POST", "/conditions", "/conditions", far).status == 201);
  CHECK(x.call("POST", "/conditions", "/conditions", far).status == 200);  // a retry
  CHECK(x.call("POST", "/conditions", "/conditions", run.condition_body("far-1", 501)).status == 409);
  CHECK(x.call("POST", "/conditions", "/conditions", R"({"id":"x-1","coin":"BTC"})").status == 400);
  CHECK(x.call("POST", "/conditions", "/conditions", "{not json").status == 400);
  CHECK(x.call("POST", "/conditions", "/conditions", far, false).status == 401);
  // One that opens at 103 and stays open (its stop at half the price, its target above the loop's top),
  // one with a trail and a time limit that opens and closes.
  const auto now = tradingd::SystemClock().now_ms();
  const std::string held =
      R"({"id":"held-1","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":102.5,)"
      R"("position_size_usd":20,"stop_loss_pct":0.5,"take_profit_pct":0.5,"valid_until":)" +
      std::to_string(now + 3'600'000) + "}";
  const std::string trailed = R"({"id":"trail-1","coin":"BTC","direction":"LONG","trigger_type":"ABOVE",)"
                              R"("trigger_price":102.5,"position_size_usd":20,"trailing_stop_pct":0.01,)"
                              R"("max_hold_ms":600000,"oco_group":"g-1","reasoning":"breakout","valid_until":)" +
                              std::to_string(now + 3'600'000) + "}";
  // One position a coin at a time ([risk] max_position_per_coin): the trailed one opens and closes first.
  CHECK(x.call("POST", "/conditions", "/conditions", "[" + trailed + "]").status == 201);
  REQUIRE(wait_until([&] { return run.closed_trades() == 1; }));
  CHECK(x.call("POST", "/conditions", "/conditions", held).status == 201);
  REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM trades WHERE status = 'OPEN'") == 1; }));
  CHECK(x.call("POST", "/conditions", "/conditions", trailed).status == 200);  // a retry of one that fired

  CHECK(x.call("GET", "/status", "/status").status == 200);
  CHECK(x.call("GET", "/health", "/health").status == 200);
  CHECK(x.call("GET", "/conditions", "/conditions").status == 200);
  const auto positions = x.call("GET", "/positions", "/positions");
  REQUIRE(json::parse(positions.body).size() == 1);
  CHECK(x.call("GET", "/trades?hours=1", "/trades").status == 200);
  CHECK(x.call("GET", "/trades?hours=1&limit=1", "/trades").status == 200);
  CHECK(x.call("GET", "/trades?hours=x", "/trades").status == 400);
  CHECK(x.call("POST", "/halt", "/halt").status == 200);
  CHECK(x.call("GET", "/health", "/health").status == 503);  // halted
  CHECK(x.call("POST", "/resume", "/resume").status == 200);
  CHECK(x.call("DELETE", "/conditions/far-1", "/conditions/{id}").status == 200);
  CHECK(x.call("DELETE", "/conditions/far-1", "/conditions/{id}").status == 404);
  const std::string trade_id = json::parse(positions.body)[0]["id"];
  CHECK(x.call("POST", "/positions/" + trade_id + "/close", "/positions/{id}/close").status == 200);
  CHECK(x.call("POST", "/positions/" + trade_id + "/close", "/positions/{id}/close").status == 404);
  CHECK(x.call("POST", "/flatten", "/flatten").status == 200);
  CHECK(x.call("GET", "/trades?hours=1", "/trades").status == 200);  // closed ones too now
  // A live run's clock is the wall clock, and it moves by itself only.
  CHECK(json::parse(x.call("GET", "/clock", "/clock").body)["mode"] == "live");
  CHECK(x.call("POST", "/clock/advance", "/clock/advance", R"({"by_ms": 1000})").status == 400);
  CHECK(x.call("POST", "/clock/finish", "/clock/finish").status == 400);

  // Every event of the run, as GET /events pushes it (a 101, then messages).
  CHECK(x.call("GET", "/events", "/events").status == 426);
  CHECK(x.call("GET", "/events?since=-1", "/events").status == 400);
  CHECK(x.call("GET", "/events?kinds=OPENED", "/events").status == 400);
  EventsClient events(run.port, "/events?since=0");
  std::set<std::string> kinds;
  while (auto m = events.next(std::chrono::seconds(2))) {
    kinds.insert((*m)["kind"].get<std::string>());
    x.list.push_back({{"method", "get"}, {"path", "/events"}, {"status", 101}, {"body", *m}, {"request", nullptr}});
  }
  CHECK(kinds == std::set<std::string>{"BALANCE_SET", "STARTUP", "FEED_STATE", "CONDITION_ARMED", "CONDITION_REFUSED",
                                       "CONDITION_CANCELLED", "POSITION_OPENED", "POSITION_CLOSED", "HALT", "RESUME"});
  CHECK(stop(daemon) == 0);

  const auto file = run.daemon.write("exchanges.json", x.list.dump(2));
  const int rc = TestProcess::run(
      {"/usr/bin/env", "python3", std::string(TRADINGD_SOURCE_DIR) + "/tests/support/validate_openapi.py",
       std::string(TRADINGD_SOURCE_DIR) + "/docs/openapi.yaml", file.string()},
      run.daemon.dir(), "validate");
  INFO(read_file(run.daemon.dir() / "validate.stdout") << read_file(run.daemon.dir() / "validate.stderr"));
  CHECK(rc == 0);
}

TEST_CASE("api: a lockstep replay's clock, advance and finish answers match docs/openapi.yaml",
          "[integration][api][openapi][clock]") {
  DaemonHarness h("api-openapi-clock");
  h.write("ticks.csv", "ts_ms,coin,price\n1764158400000,BTC,100\n1764158401000,BTC,101\n1764158402000,BTC,102\n");
  h.write_config();
  TestProcess daemon({"/usr/bin/env", std::string("TRADINGD_API_TOKEN=") + token, TRADINGD_BINARY, "--config",
                      (h.dir() / "settings.toml").string(), "--replay", (h.dir() / "ticks.csv").string(), "--api",
                      "--clock", "lockstep"},
                     h.dir(), "tradingd");
  static const std::regex re(R"(Control API on http://127\.0\.0\.1:([0-9]+))");
  std::smatch m;
  std::string log;
  REQUIRE(wait_until([&] {
    log = std::filesystem::exists(h.log_path()) ? read_file(h.log_path()) : "";
    return std::regex_search(log, m, re);
  }));
  Exchanges x{json::array(), static_cast<unsigned short>(std::stoi(m[1]))};
  CHECK(x.call("GET", "/clock", "/clock").status == 200);
  CHECK(x.call("GET", "/status", "/status").status == 200);
  CHECK(x.call("GET", "/health", "/health").status == 200);
  CHECK(x.call("POST", "/clock/advance", "/clock/advance", R"({"until_ms": 1764158400500})").status == 200);
  CHECK(x.call("POST", "/clock/advance", "/clock/advance", R"({"until_ms": 1})").status == 400);
  CHECK(x.call("POST", "/clock/advance", "/clock/advance", R"({"by_ms": 1000, "x": 1})").status == 400);
  CHECK(x.call("POST", "/clock/advance", "/clock/advance", R"({"by_ms": 1000})", false).status == 401);
  CHECK(x.call("POST", "/clock/advance", "/clock/advance", R"({"by_ms": 5000})").status == 200);  // done
  CHECK(x.call("GET", "/clock", "/clock").status == 200);
  CHECK(x.call("POST", "/clock/finish", "/clock/finish", R"({"now": 1})").status == 400);
  CHECK(x.call("POST", "/clock/finish", "/clock/finish").status == 200);
  CHECK(daemon.wait(std::chrono::seconds(30)) == 0);

  const auto file = h.write("exchanges.json", x.list.dump(2));
  const int rc = TestProcess::run(
      {"/usr/bin/env", "python3", std::string(TRADINGD_SOURCE_DIR) + "/tests/support/validate_openapi.py",
       std::string(TRADINGD_SOURCE_DIR) + "/docs/openapi.yaml", file.string()},
      h.dir(), "validate");
  INFO(read_file(h.dir() / "validate.stdout") << read_file(h.dir() / "validate.stderr"));
  CHECK(rc == 0);
}
