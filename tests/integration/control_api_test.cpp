// The control API of a real daemon trading against exchange-sim on loopback:
// what a strategist and an operator do with it, and everything it refuses.

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "api_run.hpp"

using namespace tradingd::test;
using json = nlohmann::json;

TEST_CASE("api: arm a condition, watch it fire from sim prices, close it, halt and resume", "[integration][api]") {
  ApiRun run("api-flow");
  SimProcess sim(run.sim_args({"--plain", "--rate", "40", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);

  auto health = http(run.port, "GET", "/health");
  CHECK(health.status == 200);
  CHECK(json::parse(health.body)["healthy"] == true);
  const auto status = json::parse(http(run.port, "GET", "/status").body);
  CHECK(status["feed"]["driver"] == "bybit");
  CHECK(status["feed"]["exchanges"][0]["state"] == "live");
  CHECK(status["feed"]["exchanges"][0]["tick_age_s"]["BTC"].get<double>() < 5.0);
  CHECK(status["balance"] == 1000.0);
  CHECK(status["version"] == TRADINGD_VERSION);

  // Armed through the API, fired by the sim's prices.
  auto r = http(run.port, "POST", "/conditions", run.condition_body("api-long", 102.5), {auth});
  CHECK(r.status == 201);
  CHECK(json::parse(r.body)["armed"] == json::array({"api-long"}));
  REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM trades WHERE id = 'T-api-long'") == 1; }));
  const auto positions = json::parse(http(run.port, "GET", "/positions").body);
  REQUIRE(positions.size() == 1);
  CHECK(positions[0]["id"] == "T-api-long");
  CHECK(positions[0]["entry_price"] == 103.0);
  CHECK(positions[0]["last_price"].is_number());

  // Closed by the operator at the last price.
  CHECK(http(run.port, "POST", "/positions/T-api-long/close", "", {auth}).status == 200);
  REQUIRE(wait_until([&] { return run.closed_trades() == 1; }));
  CHECK(run.daemon.query("SELECT exit_reason FROM trades WHERE id = 'T-api-long'") == "MANUAL");
  CHECK(http(run.port, "POST", "/positions/T-api-long/close", "", {auth}).status == 404);

  // Halted: a crossing price fires nothing; resumed: it fires.
  CHECK(http(run.port, "POST", "/halt", "", {auth}).status == 200);
  CHECK(http(run.port, "GET", "/health").status == 503);
  CHECK(http(run.port, "POST", "/conditions", run.condition_body("api-halted", 101.5), {auth}).status == 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // the loop crosses 101.5 several times
  CHECK(run.count("SELECT count(*) FROM trades WHERE id = 'T-api-halted'") == 0);
  CHECK(json::parse(http(run.port, "GET", "/conditions").body)[0]["id"] == "api-halted");
  CHECK(http(run.port, "POST", "/resume", "", {auth}).status == 200);
  REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM trades WHERE id = 'T-api-halted'") == 1; }));
  CHECK(http(run.port, "POST", "/flatten", "", {auth}).status == 200);
  REQUIRE(wait_until([&] { return run.closed_trades() == 2; }));

  const auto trades = json::parse(http(run.port, "GET", "/trades?hours=1").body);
  CHECK(trades.size() == 2);
  // Bounded answers: the newest `limit` trades, oldest first.
  const auto newest = json::parse(http(run.port, "GET", "/trades?hours=1&limit=1").body);
  REQUIRE(newest.size() == 1);
  CHECK(newest[0]["id"] == trades[1]["id"]);
  CHECK(http(run.port, "GET", "/trades?limit=0").status == 400);
  CHECK(http(run.port, "GET", "/trades?limit=10001").status == 400);
  CHECK(stop(daemon) == 0);
  const std::string log = run.log();
  CHECK(log.find("HALTED by the operator") != std::string::npos);
  CHECK(log.find(token) == std::string::npos);  // the token never reaches the log
  CHECK(run.daemon.query("SELECT count(*) FROM events WHERE kind IN ('HALT', 'RESUME')") == "2");
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}

TEST_CASE("api: every refusal has its status and changes nothing", "[integration][api]") {
  ApiRun run("api-errors");
  SimProcess sim(run.sim_args({"--plain", "--rate", "20", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  const auto body = run.condition_body("c-1", 500);

  CHECK(http(run.port, "POST", "/conditions", body).status == 401);  // no token
  CHECK(http(run.port, "POST", "/conditions", body, {"Authorization: Bearer wrong"}).status == 401);
  CHECK(http(run.port, "POST", "/halt", "", {"Authorization: Basic eDp5"}).status == 401);
  CHECK(json::parse(http(run.port, "GET", "/conditions").body).empty());  // nothing armed
  CHECK(json::parse(http(run.port, "GET", "/status").body)["halted"] == false);

  CHECK(http(run.port, "POST", "/conditions", body, {auth}).status == 201);
  // The same id with other terms: a conflict, and the armed condition stays as it was.
  CHECK(http(run.port, "POST", "/conditions", run.condition_body("c-1", 600), {auth}).status == 409);
  auto bad = http(run.port, "POST", "/conditions",
                  R"({"id":"c-2","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","position_size_usd":20,)"
                  R"("valid_until":"2099-01-01T00:00:00Z"})",
                  {auth});
  CHECK(bad.status == 400);
  CHECK(bad.body.find("trigger_price") != std::string::npos);  // names the field
  CHECK(http(run.port, "POST", "/conditions", "{not json", {auth}).status == 400);
  CHECK(http(run.port, "POST", "/conditions", std::string(70 * 1024, ' '), {auth}).status == 413);
  CHECK(http(run.port, "GET", "/nowhere").status == 404);
  CHECK(http(run.port, "DELETE", "/status", "", {auth}).status == 405);
  CHECK(http(run.port, "DELETE", "/conditions/unknown", "", {auth}).status == 404);
  CHECK(http(run.port, "GET", "/trades?hours=-1").status == 400);
  const std::string garbage = raw_http(run.port, "THIS IS NOT HTTP\r\n\r\n");
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);

  CHECK(http(run.port, "DELETE", "/conditions/c-1", "", {auth}).status == 200);
  REQUIRE(
      wait_until([&] { return run.daemon.query("SELECT status FROM conditions WHERE id = 'c-1'") == "CANCELLED"; }));
  CHECK(http(run.port, "GET", "/health").status == 200);  // and trading went on
  CHECK(stop(daemon) == 0);
}

TEST_CASE(
    "api: arming is idempotent: a retry with the same body gets the armed condition back, also once it "
    "fired and after a restart",
    "[integration][api]") {
  ApiRun run("api-idempotent");
  SimProcess sim(run.sim_args({"--plain", "--rate", "40", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess* daemon = &run.start_with(true);
  const auto far = run.condition_body("far-1", 500);      // never fires: the loop tops at 103
  const auto near = run.condition_body("near-1", 102.5);  // fires at 103
  const auto post = [&](const std::string& body) { return http(run.port, "POST", "/conditions", body, {auth}); };

  REQUIRE(post(far).status == 201);
  auto again = post(far);
  REQUIRE(again.status == 200);
  auto j = json::parse(again.body);
  CHECK(j["armed"].empty());
  CHECK(j["refused"].empty());
  REQUIRE(j["existing"].size() == 1);
  CHECK(j["existing"][0]["id"] == "far-1");
  CHECK(j["existing"][0]["trigger_price"] == 500.0);
  CHECK(j["existing"][0]["status"] == "ACTIVE");
  CHECK(json::parse(http(run.port, "GET", "/conditions").body).size() == 1);
  CHECK(post(run.condition_body("far-1", 501)).status == 409);  // other terms: a conflict

  REQUIRE(post(near).status == 201);
  REQUIRE(
      wait_until([&] { return run.daemon.query("SELECT status FROM conditions WHERE id = 'near-1'") == "TRIGGERED"; }));
  again = post(near);
  REQUIRE(again.status == 200);
  CHECK(json::parse(again.body)["existing"][0]["status"] == "TRIGGERED");
  // A batch of a retry and a new one: 201, each reported where it belongs.
  again = post("[" + far + "," + run.condition_body("far-2", 700) + "]");
  REQUIRE(again.status == 201);
  j = json::parse(again.body);
  CHECK(j["armed"] == json::array({"far-2"}));
  CHECK(j["existing"][0]["id"] == "far-1");

  CHECK(stop(*daemon) == 0);       // [shutdown] conditions = "cancel": far-1 and far-2 end CANCELLED
  daemon = &run.start_with(true);  // the same journal: the ids, their terms and status come from it
  again = post(far);
  REQUIRE(again.status == 200);
  CHECK(json::parse(again.body)["existing"][0]["status"] == "CANCELLED");
  CHECK(json::parse(http(run.port, "GET", "/conditions").body).empty());  // a retry re-arms nothing
  again = post(near);
  REQUIRE(again.status == 200);
  CHECK(json::parse(again.body)["existing"][0]["status"] == "TRIGGERED");
  CHECK(post(run.condition_body("near-1", 102)).status == 409);
  // One row and one position each, however often they were sent.
  CHECK(run.daemon.query("SELECT count(*) FROM conditions") == "3");
  CHECK(run.daemon.query("SELECT count(*) FROM trades WHERE condition_id = 'near-1'") == "1");
  CHECK(stop(*daemon) == 0);
}

TEST_CASE("api: without a token the API is read-only and says so", "[integration][api]") {
  ApiRun run("api-read-only");
  SimProcess sim(run.sim_args({"--plain", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(false);
  CHECK(http(run.port, "GET", "/status").status == 200);
  const auto r = http(run.port, "POST", "/halt", "", {auth});
  CHECK(r.status == 403);
  CHECK(r.body.find("read-only: no token is set in $TRADINGD_API_TOKEN") != std::string::npos);
  CHECK(run.log().find("read-only: $TRADINGD_API_TOKEN is not set") != std::string::npos);
  CHECK(stop(daemon) == 0);
}

TEST_CASE("api: a non-loopback address without a token is refused at start-up", "[integration][api]") {
  DaemonHarness h("api-exposed");
  h.set("api", "listen", "\"0.0.0.0\"");
  h.write_config();
  TestProcess p(
      {"/usr/bin/env", "-u", "TRADINGD_API_TOKEN", TRADINGD_BINARY, "--config", (h.dir() / "settings.toml").string()},
      h.dir(), "exposed");
  CHECK(p.wait(std::chrono::seconds(30)) == 2);
  CHECK_THAT(p.stderr_text(),
             Catch::Contains("[api] listen 0.0.0.0 is not loopback and $TRADINGD_API_TOKEN is not set"));
}

TEST_CASE("api: /metrics is valid Prometheus exposition and counts what happened", "[integration][api][metrics]") {
  ApiRun run("api-metrics");
  SimProcess sim(run.sim_args({"--plain", "--rate", "100", "--loop", "--bad-price-every", "10"}), run.daemon.dir(),
                 "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  REQUIRE(http(run.port, "POST", "/conditions", run.condition_body("m-1", 102.5), {auth}).status == 201);
  // It fires at 103 and stops out when the loop comes back to 100.
  REQUIRE(wait_until([&] { return run.closed_trades() == 1; }));
  const std::string no_bad_price = "tradingd_feed_bad_frames_total{exchange=\"bybit\",reason=\"bad_price\"} 0\n";
  HttpReply r;
  REQUIRE(wait_until([&] {  // until the sim's bad prices have been counted
    r = http(run.port, "GET", "/metrics");
    return r.body.find(no_bad_price) == std::string::npos;
  }));
  REQUIRE(r.status == 200);
  const auto file = run.daemon.write("metrics.txt", r.body);
  // promtool (Debian's prometheus package, installed by scripts/test.sh) is the judge of the format.
  CHECK(TestProcess::run({"/bin/sh", "-c", "promtool check metrics < " + file.string()}, run.daemon.dir(),
                         "promtool") == 0);
  INFO(r.body);
  CHECK(r.body.find("tradingd_feed_state{exchange=\"bybit\",state=\"live\"} 1") != std::string::npos);
  // What /health answers, as the alert rules read it (deploy/prometheus/).
  CHECK(r.body.find("\ntradingd_healthy 1\n") != std::string::npos);
  REQUIRE(http(run.port, "POST", "/halt", "", {auth}).status == 200);
  CHECK(http(run.port, "GET", "/metrics").body.find("\ntradingd_healthy 0\n") != std::string::npos);
  REQUIRE(http(run.port, "POST", "/resume", "", {auth}).status == 200);
  // The API's load, by status class: the arm, halt, resume and the scrapes answered 2xx; a POST without the token 4xx.
  REQUIRE(http(run.port, "POST", "/halt", "", {}).status == 401);
  const std::string after = http(run.port, "GET", "/metrics").body;
  const auto answered = [&](const std::string& code) {
    std::smatch m;
    const std::regex re("\ntradingd_api_requests_total\\{code=\"" + code + "\"\\} ([0-9]+)\n");
    return std::regex_search(after, m, re) ? std::stoll(m[1].str()) : -1;
  };
  CHECK(answered("2xx") >= 5);
  CHECK(answered("4xx") == 1);
  CHECK(answered("5xx") == 0);
  CHECK(r.body.find("tradingd_feed_driving{exchange=\"bybit\"} 1") != std::string::npos);
  CHECK(std::regex_search(r.body,
                          std::regex(R"re(tradingd_feed_parser_info\{kernel="(icelake|haswell|westmere|fallback)",)re"
                                     R"re(walk_target="[a-z0-9]+"\} 1\n)re")));
  CHECK(std::regex_search(daemon.stdout_text() + daemon.stderr_text(),
                          std::regex(R"re(Feed frames: simdjson's (icelake|haswell|westmere|fallback) kernel)re")));
  CHECK(r.body.find("tradingd_conditions_finished_total{status=\"TRIGGERED\"} 1") != std::string::npos);
  CHECK(r.body.find("tradingd_positions_open 0") != std::string::npos);
  CHECK(r.body.find("tradingd_positions_closed_total 1") != std::string::npos);
  CHECK(r.body.find("tradingd_tick_age_seconds{coin=\"BTC\"}") != std::string::npos);
  CHECK(r.body.find("tradingd_tick_to_decision_seconds_count{exchange=\"bybit\"}") != std::string::npos);
  CHECK(stop(daemon) == 0);
}

TEST_CASE(
    "dashboard: headless Chromium shows live prices and quotes, a position with its trail and time left, "
    "and an equity curve",
    "[integration][api][browser]") {
  ApiRun run("dashboard");
  run.daemon.set("paper", "fill_on", "\"quote\"");
  SimProcess sim(run.sim_args({"--plain", "--rate", "20", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  // A LONG that opens at the ask of 103 and stays open (a wide trail, active
  // from entry, and a one-hour time limit), so the page has a position to show.
  const std::string wide = R"({"id":"dash-long","coin":"BTC","direction":"LONG","trigger_type":"ABOVE",)"
                           R"("trigger_price":102.5,"position_size_usd":20,"stop_loss_pct":0.5,"take_profit_pct":0.5,)"
                           R"("trailing_stop_pct":0.3,"max_hold_ms":3600000,"valid_until":"2099-01-01T00:00:00Z"})";
  REQUIRE(http(run.port, "POST", "/conditions", wide, {auth}).status == 201);
  REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM trades") == 1; }));
  const auto page = http(run.port, "GET", "/");
  CHECK(page.status == 200);
  CHECK(page.body.find("<title>tradingd</title>") != std::string::npos);
  CHECK(page.body.find("http") == std::string::npos);  // self-contained: no external requests

  const std::string url = "http://127.0.0.1:" + std::to_string(run.port) + "/";
  const std::vector<std::string> chromium = {"/usr/bin/chromium",
                                             "--headless",
                                             "--no-sandbox",
                                             "--disable-gpu",
                                             "--no-first-run",
                                             "--disable-background-networking",
                                             "--window-size=1400,1000",
                                             "--virtual-time-budget=4000",
                                             "--user-data-dir=" + (run.daemon.dir() / "chromium").string()};
  auto with = [&](std::vector<std::string> extra) {
    auto argv = chromium;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  };
  TestProcess dom(with({"--dump-dom", url}), run.daemon.dir(), "chromium-dom");
  REQUIRE(dom.wait(std::chrono::seconds(90)) == 0);
  const std::string html = dom.stdout_text();
  INFO(html.substr(0, 4000));
  CHECK(html.find("<td class=\"\">T-dash-long</td>") != std::string::npos);  // the open position
  CHECK(html.find("<i class=\"dim\">a</i>") != std::string::npos);           // filled at the ask
  CHECK(html.find(" ↟</td>") != std::string::npos);                          // the stop is the trail
  CHECK(html.find("<td class=\"\">on · best 10") != std::string::npos);      // the trail and its best price
  CHECK(html.find("<td class=\"n\">59 m ") != std::string::npos);            // time left
  // BTC's last price, bid and ask
  CHECK(std::regex_search(html, std::regex(R"(<td class="">BTC</td>(<td class="n">[0-9.]+</td>){3})")));
  CHECK(html.find("<path d=\"M") != std::string::npos);  // the equity curve
  CHECK(html.find("HEALTHY") != std::string::npos);

  const auto dir = std::filesystem::path(TRADINGD_ARTIFACT_DIR);
  std::filesystem::create_directories(dir);
  const auto shot = dir / "dashboard.png";
  std::filesystem::remove(shot);
  TestProcess png(with({"--screenshot=" + shot.string(), url}), run.daemon.dir(), "chromium-shot");
  REQUIRE(png.wait(std::chrono::seconds(90)) == 0);
  CHECK(std::filesystem::file_size(shot) > 10000);
  CHECK(stop(daemon) == 0);
}

TEST_CASE("api: at most 64 connections at once, and a client that sends nothing is cut after 10 s",
          "[integration][api][limits]") {
  ApiRun run("api-limits");
  SimProcess sim(run.sim_args({"--plain", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  auto open_idle = [&] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(run.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
  };
  std::vector<int> idle;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 64; ++i) idle.push_back(open_idle());
  // The 65th is refused once the server has accepted all 64 (waited for, not slept on).
  CHECK(wait_until([&] { return http(run.port, "GET", "/status").status == 503; }));
  char buf[16];
  CHECK(::recv(idle.front(), buf, sizeof buf, 0) == 0);  // closed by the server, having sent nothing
  // Closed by the 10 s request timeout: not before it, and not never (the
  // upper bound only catches a timeout that does not work).
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(waited > 9.5);
  CHECK(waited < 60.0);
  for (int fd : idle) ::close(fd);
  REQUIRE(wait_until([&] { return http(run.port, "GET", "/status").status == 200; }));
  CHECK(http(run.port, "GET", "/health").status == 200);  // trading went on throughout
  CHECK(stop(daemon) == 0);
}

TEST_CASE("api: quote fills, trails, time limits and OCO groups as an operator sees them",
          "[integration][api][quotes]") {
  ApiRun run("api-quotes");
  run.daemon.set("paper", "fill_on", "\"quote\"");
  run.daemon.set("paper", "slippage_bps", "2");
  SimProcess sim(run.sim_args({"--plain", "--rate", "40", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  auto with = [](std::string c, const std::string& extra) {
    c.pop_back();
    return c + "," + extra + "}";
  };

  // Each new field is checked as the conditions file checks it, the field named; nothing is armed.
  struct Bad {
    std::string extra, message;
  };
  const Bad bad[] = {
      {R"("trailing_stop_pct":0)", "trailing_stop_pct: must be between 0 and 1"},
      {R"("trailing_activation_pct":0.1)", "trailing_activation_pct: needs trailing_stop_pct"},
      {R"("max_hold_ms":"1h")", "max_hold_ms: must be a whole number"},
      {R"("oco_group":"a b")", "oco_group: may contain only"},
      {R"("stop_loss_pct":0,"take_profit_pct":0)", "a condition needs at least one exit"},
  };
  for (const auto& b : bad) {
    INFO(b.extra);
    const auto r = http(run.port, "POST", "/conditions", with(run.condition_body("bad", 101.5), b.extra), {auth});
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains(b.message));
  }
  CHECK(json::parse(http(run.port, "GET", "/conditions").body).empty());

  // A LONG with a 5 % trail (active from entry, never reached on the 100-103 loop) and a
  // one-hour time limit, in an OCO pair with a SHORT far below.
  const std::string pair =
      "[" +
      with(
          run.condition_body("trail-long", 101.5),
          R"("stop_loss_pct":0,"take_profit_pct":0,"trailing_stop_pct":0.05,"max_hold_ms":3600000,"oco_group":"pair")") +
      "," + with(condition("far-short", "BTC", "SHORT", "BELOW", 50, 20), R"("oco_group":"pair")") + "]";
  // Halted while they are listed: the loop crosses 101.5 every few messages,
  // and a busy machine could answer the list after the LONG fired.
  CHECK(http(run.port, "POST", "/halt", "", {auth}).status == 200);
  auto r = http(run.port, "POST", "/conditions", pair, {auth});
  CHECK(r.status == 201);
  const auto listed = json::parse(http(run.port, "GET", "/conditions").body);
  CHECK(http(run.port, "POST", "/resume", "", {auth}).status == 200);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["trailing_stop_pct"] == 0.05);
  CHECK(listed[0]["max_hold_ms"] == 3600000);
  CHECK(listed[0]["oco_group"] == "pair");
  CHECK(listed[1]["trailing_stop_pct"].is_null());

  REQUIRE(wait_until([&] { return run.count("SELECT count(*) FROM trades WHERE id = 'T-trail-long'") == 1; }));
  // 103 comes round and the best moves (waited for, not slept on). The best
  // starts at the entry fill, the ask plus slippage: above 103 when the entry
  // came at 103 itself, and then it stays there.
  json positions;
  REQUIRE(wait_until([&] {
    positions = json::parse(http(run.port, "GET", "/positions").body);
    return positions.size() == 1 && positions[0]["best_price"].get<double>() >= 103.0;
  }));
  const auto& p = positions[0];
  INFO(p.dump());
  CHECK(p["entry_fill"] == "ask");
  CHECK(p["entry_price"].get<double>() > p["entry_mark"].get<double>());  // the ask, and slippage on top
  CHECK(p["stop_loss_price"].is_null());
  CHECK(p["take_profit_price"].is_null());
  CHECK(p["trail_active"] == true);
  CHECK(p["stop_kind"] == "TRAILING_STOP");
  const double best = p["best_price"].get<double>();
  CHECK(best == std::max(103.0, p["entry_price"].get<double>()));
  CHECK(p["stop_price"].get<double>() == Approx(best * 0.95).margin(1e-9));
  CHECK(p["trailing_stop_price"] == p["stop_price"]);
  CHECK(p["time_left_s"].get<double>() > 3590);
  CHECK(p["time_left_s"].get<double>() <= 3600);
  CHECK(p["time_limit"].is_string());
  CHECK(run.daemon.query("SELECT status || ' ' || status_reason FROM conditions WHERE id = 'far-short'") ==
        "CANCELLED oco:trail-long");
  CHECK(json::parse(http(run.port, "GET", "/conditions").body).empty());

  const auto status = json::parse(http(run.port, "GET", "/status").body);
  INFO(status.dump());
  CHECK(status["fills"]["fill_on"] == "quote");
  CHECK(status["fills"]["slippage_bps"] == 2.0);
  CHECK(status["fills"]["by_basis"]["ask"] == 1);
  const auto& btc = status["quotes"]["BTC"];
  CHECK(btc["bid"].get<double>() < btc["ask"].get<double>());
  CHECK(btc["fresh"] == true);
  CHECK(btc["age_s"].get<double>() < 1.0);

  const std::string metrics = http(run.port, "GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("tradingd_fills_total{basis=\"ask\"} 1\n"));
  CHECK_THAT(metrics, Catch::Contains("tradingd_conditions_oco_cancelled_total 1\n"));
  CHECK(std::regex_search(metrics, std::regex(R"(tradingd_quotes_total\{outcome="accepted"\} [1-9][0-9]*\n)")));

  CHECK(http(run.port, "POST", "/positions/T-trail-long/close", "", {auth}).status == 200);
  REQUIRE(wait_until([&] { return run.closed_trades() == 1; }));
  CHECK(run.daemon.query("SELECT exit_reason || ' ' || exit_fill FROM trades") == "MANUAL bid");
  CHECK(stop(daemon) == 0);
  CHECK(run.daemon.invariant_violations(1000.0).empty());
}
