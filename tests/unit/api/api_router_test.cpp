// ApiRouter through its public API: the route table (404, 405 with Allow,
// path parameters, each endpoint's query keys), the token check before any
// mutation, and that each route reaches the daemon only through the
// operation it names. The daemon is a fake ControlTarget over a real Sniper
// and a real journal in a scratch folder, with a manual clock.
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "recording_sink.hpp"
#include "test_process.hpp"
#include "tradingd/api/api_router.hpp"
#include "tradingd/api/control_target.hpp"
#include "tradingd/api/openapi_document.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/journal/trade_journal.hpp"
#include "tradingd/sniper/sniper.hpp"

using namespace tradingd;
using tradingd::test::RecordingSink;
using tradingd::test::TempDir;
using json = nlohmann::json;

namespace {

constexpr const char* token = "router-token";
constexpr const char* bearer = "Bearer router-token";

// What the router asked of the daemon, in order.
class FakeDaemon final : public ControlTarget {
 public:
  explicit FakeDaemon(const TempDir& dir)
      : settings_(make_settings(dir)),
        journal_(settings_.storage.db_path),
        sniper_(coins_, settings_.risk, settings_.paper, clock_, sink_) {
    journal_.start();
  }

  [[nodiscard]] const Sniper& sniper() const override { return sniper_; }
  [[nodiscard]] const TradeJournal& journal() const override { return journal_; }
  [[nodiscard]] const CoinTable& coins() const override { return coins_; }
  [[nodiscard]] const Settings& settings() const override { return settings_; }
  [[nodiscard]] const Clock& clock() const override { return clock_; }
  [[nodiscard]] const FeedSupervisor* feeds() const override { return nullptr; }
  [[nodiscard]] const SessionRecorder* recorder() const override { return nullptr; }

  ArmOutcome arm_conditions(const ParsedConditions& parsed, std::string_view origin) override {
    calls.push_back("arm " + std::to_string(parsed.accepted.size()) + "+" + std::to_string(parsed.refused.size()) +
                    " from " + std::string(origin));
    ArmOutcome out;
    for (const auto& c : parsed.accepted) out.armed.push_back(c.id);
    out.refused = parsed.refused;
    return out;
  }
  void set_halted(bool halted) override { calls.push_back(halted ? "halt" : "resume"); }
  bool cancel_condition(std::string_view id, std::string_view) override {
    calls.push_back("cancel " + std::string(id));
    return id == "known";
  }
  bool close_position(std::string_view id) override {
    calls.push_back("close " + std::string(id));
    return id == "T-known";
  }
  std::pair<std::size_t, std::size_t> flatten() override {
    calls.push_back("flatten");
    return {2, 1};
  }
  [[nodiscard]] std::optional<ReplayClockView> replay_clock() const override { return replay; }
  std::optional<ClockRefusal> advance_clock(std::int64_t until_ms,
                                            std::function<void(const ClockAdvanced&)> answered) override {
    calls.push_back("advance " + std::to_string(until_ms));
    if (pending) return ClockRefusal{409, "an advance is still being applied"};
    pending = std::move(answered);
    return std::nullopt;
  }
  std::optional<ClockRefusal> finish_clock(std::function<void(const ClockAdvanced&)> answered) override {
    calls.push_back("finish");
    answered(ClockAdvanced{replay->now_ms, 7, false});
    return std::nullopt;
  }

  std::vector<std::string> calls;
  std::optional<ReplayClockView> replay;              // nullopt: a live run
  std::function<void(const ClockAdvanced&)> pending;  // the advance being applied

 private:
  static Settings make_settings(const TempDir& dir) {
    Settings s;
    s.trading.coins = {"BTC", "ETH"};
    s.storage.db_path = dir / "journal.db";
    s.log.dir = dir / "logs";
    return s;
  }

  Settings settings_;
  CoinTable coins_{{"BTC", "ETH"}};
  ManualClock clock_{1'764'158'400'000};  // 2025-11-26T12:00:00Z
  RecordingSink sink_;
  TradeJournal journal_;
  Sniper sniper_;
};

// By value: the variant match() returns is a temporary.
RouteMatch matched(std::variant<RouteMatch, ApiResponse> m) {
  REQUIRE(std::holds_alternative<RouteMatch>(m));
  return std::get<RouteMatch>(std::move(m));
}

ApiResponse refused(std::variant<RouteMatch, ApiResponse> m) {
  REQUIRE(std::holds_alternative<ApiResponse>(m));
  return std::get<ApiResponse>(std::move(m));
}

std::string error_of(const ApiResponse& r) {
  return json::parse(r.body).at("error").get<std::string>();
}

// A path that names `pattern`'s route: every {..} segment filled in.
std::string concrete(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      out += "x1";
      i = pattern.find('}', i);
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every route in the table is matched by its own method and path, and only by it", "[unit][api]") {
  std::set<std::string> seen;
  for (const ApiRoute& route : ApiRouter::routes()) {
    INFO(route.method << " " << route.path);
    CHECK(seen.insert(std::string(route.method) + " " + std::string(route.path)).second);  // each once
    // A Later route has its own kind of handler, the others the plain one.
    CHECK((route.handler != nullptr) == (route.runs != RunsOn::Later));
    CHECK((route.later != nullptr) == (route.runs == RunsOn::Later));
    const auto m = matched(ApiRouter::match(route.method, concrete(route.path)));
    CHECK(m.route == &route);
  }
  CHECK(seen.size() == 18);
  // Where each answer is made: only /trades reads the disk, only /events upgrades.
  CHECK(matched(ApiRouter::match("GET", "/trades")).route->runs == RunsOn::HelperThread);
  CHECK(matched(ApiRouter::match("GET", "/events")).route->runs == RunsOn::WebSocket);
  CHECK(matched(ApiRouter::match("GET", "/status")).route->runs == RunsOn::IoThread);
  CHECK(matched(ApiRouter::match("POST", "/clock/advance")).route->runs == RunsOn::Later);
  CHECK(matched(ApiRouter::match("POST", "/clock/finish")).route->runs == RunsOn::Later);
}

TEST_CASE("the route table and docs/openapi.yaml name the same operations", "[unit][api]") {
  // The document served at /openapi.json is docs/openapi.yaml, built in.
  const json doc = json::parse(OpenApiDocument::json());
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").items())
    for (const auto& [method, op] : item.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + path);
    }
  std::set<std::string> routed;
  for (const ApiRoute& route : ApiRouter::routes())
    routed.insert(std::string(route.method) + " " + std::string(route.path));
  CHECK(documented == routed);
}

TEST_CASE("the table answers 404 for a path no route has and 405 with Allow for a method the path does not take",
          "[unit][api]") {
  CHECK(refused(ApiRouter::match("GET", "/nope")).status == 404);
  CHECK(refused(ApiRouter::match("GET", "/conditions/a/b")).status == 404);
  CHECK(refused(ApiRouter::match("POST", "/positions/x/open")).status == 404);
  const auto slash = refused(ApiRouter::match("GET", "/status/"));
  CHECK(slash.status == 404);
  CHECK(error_of(slash).find("no trailing '/'") != std::string::npos);

  const auto del = refused(ApiRouter::match("DELETE", "/status"));
  CHECK(del.status == 405);
  CHECK(del.allow == "GET");
  CHECK(error_of(del) == "DELETE is not allowed on /status; it takes GET");
  CHECK(refused(ApiRouter::match("PUT", "/conditions")).allow == "GET, POST");
  CHECK(refused(ApiRouter::match("GET", "/halt")).allow == "POST");
  CHECK(refused(ApiRouter::match("GET", "/conditions/c1")).allow == "DELETE");
  CHECK(refused(ApiRouter::match("HEAD", "/")).allow == "GET");
  // A 404 carries no Allow.
  CHECK(refused(ApiRouter::match("GET", "/nope")).allow.empty());
}

TEST_CASE("path parameters are percent-decoded segments and queries are read by the route's keys", "[unit][api]") {
  const auto cancel = matched(ApiRouter::match("DELETE", "/conditions/btc%3Abreakout"));
  CHECK(cancel.call.params == std::vector<std::string>{"btc:breakout"});
  const auto close = matched(ApiRouter::match("POST", "/positions/T-a+b/close"));
  CHECK(close.call.params == std::vector<std::string>{"T-a+b"});  // '+' is itself in a path

  const auto trades = matched(ApiRouter::match("GET", "/trades?hours=2&limit=5"));
  CHECK(trades.call.query.get("hours") == "2");
  CHECK(trades.call.query.get("limit") == "5");
  CHECK_FALSE(trades.call.query.get("since"));

  // Keys an endpoint does not take are ignored, as an endpoint that takes none ignores its query.
  CHECK_FALSE(matched(ApiRouter::match("GET", "/trades?hour=2")).call.query.get("hour"));
  CHECK(matched(ApiRouter::match("GET", "/status?verbose=1&verbose=2")).call.query.empty());
  CHECK(error_of(refused(ApiRouter::match("GET", "/events?kinds=FILLED&kinds=CLOSED"))) ==
        "the query names 'kinds' twice; give it once");
  CHECK(refused(ApiRouter::match("GET", "/trades?hours=%zz")).status == 400);
  // A bad path is answered before a bad query.
  CHECK(refused(ApiRouter::match("GET", "/nope?hours=1&hours=2")).status == 404);
}

TEST_CASE("a mutation needs the token before anything reaches the daemon", "[unit][api]") {
  TempDir dir("api-router-auth");
  FakeDaemon daemon(dir);

  ApiRouter read_only(daemon, "");
  CHECK(read_only.read_only());
  CHECK(read_only.handle("POST", "/halt", bearer, "").status == 403);
  CHECK(read_only.handle("GET", "/status", "", "").status == 200);

  ApiRouter router(daemon, token);
  CHECK(router.handle("POST", "/halt", "", "").status == 401);
  CHECK(router.handle("POST", "/halt", "Bearer router-tokeN", "").status == 401);
  CHECK(router.handle("POST", "/halt", "Bearer router-token ", "").status == 401);
  CHECK(router.handle("DELETE", "/conditions/known", "Basic eDp5", "").status == 401);
  // The token is asked for before the path is looked at: nothing about the routes is told without it.
  CHECK(router.handle("POST", "/nope", "", "").status == 401);
  CHECK(router.handle("DELETE", "/status", "", "").status == 401);
  CHECK(router.handle("DELETE", "/status", bearer, "").status == 405);
  CHECK(read_only.handle("POST", "/nope", bearer, "").status == 403);
  CHECK(daemon.calls.empty());

  CHECK(router.handle("POST", "/halt", bearer, "").status == 200);
  CHECK(router.handle("POST", "/resume", bearer, "").status == 200);
  CHECK(daemon.calls == std::vector<std::string>{"halt", "resume"});
}

TEST_CASE("each route reaches the daemon through the one operation it names", "[unit][api]") {
  TempDir dir("api-router-ops");
  FakeDaemon daemon(dir);
  ApiRouter router(daemon, token);

  const auto cancelled = router.handle("DELETE", "/conditions/known", bearer, "");
  CHECK(cancelled.status == 200);
  CHECK(json::parse(cancelled.body) == json{{"cancelled", "known"}});
  const auto missing = router.handle("DELETE", "/conditions/other", bearer, "");
  CHECK(missing.status == 404);
  CHECK(error_of(missing) == "no armed condition other");

  CHECK(router.handle("POST", "/positions/T-known/close", bearer, "").status == 200);
  CHECK(router.handle("POST", "/positions/T-gone/close", bearer, "").status == 404);

  const auto flat = router.handle("POST", "/flatten", bearer, "");
  CHECK(json::parse(flat.body) == json{{"closed", 2}, {"still_open", 1}});

  // A body that is not a condition is refused whole, and the refusal is handed to the daemon to journal.
  const auto bad = router.handle("POST", "/conditions", bearer, "{");
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body).at("details").size() == 1);
  CHECK(daemon.calls == std::vector<std::string>{"cancel known", "cancel other", "close T-known", "close T-gone",
                                                 "flatten", "arm 0+1 from request body"});

  // Reads change nothing.
  daemon.calls.clear();
  for (const char* path : {"/", "/health", "/status", "/conditions", "/positions", "/metrics", "/openapi.json"})
    CHECK(router.handle("GET", path, "", "").status == (std::string_view(path) == "/health" ? 503 : 200));
  CHECK(daemon.calls.empty());
}

TEST_CASE("the routes served off the io thread answer through handle() too", "[unit][api]") {
  TempDir dir("api-router-off-thread");
  FakeDaemon daemon(dir);
  ApiRouter router(daemon, token);

  const auto trades = router.handle("GET", "/trades?hours=1&limit=3", "", "");
  CHECK(trades.status == 200);
  CHECK(json::parse(trades.body) == json::array());
  CHECK(router.handle("GET", "/trades?limit=0", "", "").status == 400);
  CHECK(router.handle("GET", "/trades?hours=inf", "", "").status == 400);
  CHECK(router.handle("GET", "/trades?hours=876001", "", "").status == 400);

  const auto events = router.handle("GET", "/events", "", "");
  CHECK(events.status == 426);
  CHECK(error_of(events) == "GET /events is a WebSocket: ask with Upgrade: websocket");

  const auto health = router.handle("GET", "/health", "", "");
  CHECK(json::parse(health.body).at("reasons") == json::array({"no live feed (replay mode)"}));
}

TEST_CASE("the clock routes: GET /clock in each run, advances read whole and refused moving nothing",
          "[unit][api][clock]") {
  TempDir dir("api-router-clock");
  FakeDaemon daemon(dir);
  ApiRouter router(daemon, token);
  constexpr std::int64_t now = 1'764'158'400'000;

  // Live: the wall clock, and the clock does not move by request.
  const auto live = router.handle("GET", "/clock", "", "");
  CHECK(json::parse(live.body) ==
        json{{"mode", "live"}, {"now_ms", now}, {"first_ms", nullptr}, {"last_ms", nullptr}, {"done", false}});
  const auto not_lockstep = router.handle("POST", "/clock/advance", bearer, R"({"by_ms": 1000})");
  CHECK(not_lockstep.status == 400);
  CHECK(error_of(not_lockstep).find("--clock lockstep") != std::string::npos);
  CHECK(router.handle("POST", "/clock/finish", bearer, "").status == 400);
  daemon.replay = ReplayClockView{"speed:20", now, now - 5000, std::nullopt, false};
  CHECK(router.handle("POST", "/clock/advance", bearer, R"({"by_ms": 1000})").status == 400);
  CHECK(json::parse(router.handle("GET", "/status", "", "").body).at("clock") ==
        json{{"mode", "speed:20"}, {"now_ms", now}});
  CHECK(daemon.calls.empty());

  daemon.replay = ReplayClockView{"lockstep", now, now - 5000, std::nullopt, false};
  CHECK(json::parse(router.handle("GET", "/clock", "", "").body) ==
        json{{"mode", "lockstep"}, {"now_ms", now}, {"first_ms", now - 5000}, {"last_ms", nullptr}, {"done", false}});
  // A held lockstep replay is healthy: it plays no feed by design.
  CHECK(router.handle("GET", "/health", "", "").status == 200);

  // Every malformed body is a 400 that reaches nothing.
  for (const char* body : {"",
                           "{}",
                           "[]",
                           "null",
                           "1000",
                           R"({"by_ms": 1000, "until_ms": 1764158401000})",
                           R"({"by_ms": -1})",
                           R"({"by_ms": 1.5})",
                           R"({"by_ms": "1000"})",
                           R"({"by_ms": 1e3})",
                           R"({"until_ms": 1764158399999})",
                           R"({"until_ms": 0})",
                           R"({"by_ms": 99999999999999999999})",
                           R"({"by_ms": 18446744073709551615})",
                           R"({"later_ms": 5})",
                           R"({"by_ms": [1]})",
                           R"({"by_ms": {"a": 1}})",
                           "{\"by_ms\": 1",
                           "\xff\xfe",
                           R"({"by_ms": 1000} trailing)",
                           R"({"by_ms": 4000000000000})"}) {
    INFO(body);
    const auto r = router.handle("POST", "/clock/advance", bearer, body);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body).contains("error"));
  }
  CHECK(daemon.calls.empty());
  // Without the token, nothing moves either.
  CHECK(router.handle("POST", "/clock/advance", "", R"({"by_ms": 0})").status == 401);
  CHECK(daemon.calls.empty());

  // by_ms is relative to replay time; the answer comes when the daemon gives it.
  const auto m = matched(router.route("POST", "/clock/advance", bearer));
  RouteMatch call = m;
  const std::string body = R"({"by_ms": 2500})";
  call.call.body = body;
  std::optional<ApiResponse> answer;
  router.handle_later(call, [&](ApiResponse r) { answer = std::move(r); });
  CHECK(daemon.calls == std::vector<std::string>{"advance " + std::to_string(now + 2500)});
  CHECK_FALSE(answer);
  // A second advance while the first is applied is the daemon's 409.
  CHECK(router.handle("POST", "/clock/advance", bearer, R"({"until_ms": 1764158410000})").status == 409);
  daemon.pending(ClockAdvanced{now + 2500, 42, true});
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(json::parse(answer->body) == json{{"now_ms", now + 2500}, {"last_event_seq", 42}, {"done", true}});
  // until_ms equal to now is a step of nothing, not a refusal.
  daemon.pending = nullptr;
  CHECK(router.handle("POST", "/clock/advance", bearer, R"({"until_ms": 1764158400000})").status == 202);

  CHECK(router.handle("POST", "/clock/finish", bearer, "{\"x\": 1}").status == 400);
  const auto finished = router.handle("POST", "/clock/finish", bearer, "{}");
  CHECK(finished.status == 200);
  CHECK(json::parse(finished.body) == json{{"now_ms", now}, {"last_event_seq", 7}, {"done", false}});
}
