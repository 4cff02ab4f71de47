// Bad input as a user or a client sends it, against the real binary: a refusal
// is an exit 2 or a 400 naming what is wrong, never a crash, a 500, a hang, a
// forged log line or a refusal that leaves no trace in the journal.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api_run.hpp"
#include "daemon_harness.hpp"

using namespace tradingd::test;
using nlohmann::json;

namespace {

std::string condition_json(const std::string& id, const std::string& extra = "") {
  return R"({"id":")" + id + R"(","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":1000,)" +
         R"("position_size_usd":10,"valid_until":"2099-01-01T00:00:00Z")" + extra + "}";
}

}  // namespace

TEST_CASE("bad inputs: a directory, a FIFO and an unusable listen address exit 2 at once, naming them",
          "[integration][cli][input]") {
  DaemonHarness h("bad-paths");
  auto r = h.run({"--config", h.dir().string(), "--check-config"}, "dir");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(h.dir().string() + ": config file is a directory, not a regular file"));

  const auto fifo = h.dir() / "journal.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Without the check this blocks forever in SQLite's open(); the harness kills it after 20 s.
  r = h.run({"journal", "--db", fifo.string(), "summary"}, "fifo", std::chrono::seconds(20));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("journal is a FIFO"));

  h.set("api", "listen", "\"localhost\"");
  const auto cfg = h.write_config("localhost.toml").string();
  r = h.run({"--config", cfg, "--check-config"}, "localhost");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("localhost.toml:"));
  CHECK_THAT(r.err, Catch::Contains("api.listen: must be an IP address"));
}

TEST_CASE("bad inputs: a burst of refusals is all in the journal, a few in the log, and no line is forged",
          "[integration][cli][input]") {
  DaemonHarness h("refusal-burst");
  h.write_config();
  std::string conditions = "[" + condition_json("x\\n[2026-01-01 00:00:00.000] [critical] forged") + ",\n";
  for (int i = 0; i < 2000; ++i)
    conditions += condition_json("bad-" + std::to_string(i), R"(,"stop_loss_pct":2)") + ",\n";
  conditions += condition_json("good") + "]";
  const auto r = h.replay(h.write("c.json", conditions), h.write("t.csv", "1764158400000,BTC,50\n"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // Every refusal is an events row; the log names the first ones and counts the rest.
  CHECK(h.query("SELECT count(*) FROM events WHERE kind = 'CONDITION_REFUSED'") == "2001");
  CHECK(h.query("SELECT group_concat(id) FROM conditions") == "good");
  CHECK_THAT(r.out, Catch::Contains("1981 more conditions refused; every refusal is in the journal's events table"));
  CHECK_THAT(r.out, Catch::Contains("c.json: 1 conditions armed, 0 already armed with the same terms, 2001 refused"));
  // The id with a newline is shown escaped, on its own warning line.
  CHECK_THAT(r.out, Catch::Contains("(id \"x\\n[2026-01-01 00:00:00.000] [critical] forged\") refused: id:"));
  CHECK(r.out.find("\n[2026-01-01 00:00:00.000] [critical] forged") == std::string::npos);
}

TEST_CASE("bad inputs: the API answers 400 naming the problem, arms nothing and journals every refusal",
          "[integration][api][input]") {
  ApiRun run("api-bad-input");
  SimProcess sim(run.sim_args({"--plain", "--rate", "20", "--loop"}), run.daemon.dir(), "sim");
  run.point_at(sim);
  TestProcess& daemon = run.start_with(true);
  const auto post = [&](const std::string& body) { return http(run.port, "POST", "/conditions", body, {auth}); };

  auto r = post("[" + condition_json("a") + "," + condition_json("b", ",\"reasoning\":\"\xff\"") + "]");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("request body:1: not UTF-8 (byte"));

  r = post("[" + condition_json("a") + "," + condition_json("b", ",\"stop_loss_pct\":1e309") + "]");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("after field \\\"stop_loss_pct\\\""));

  r = post(std::string(30'000, '[') + std::string(30'000, ']'));
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("nests deeper than 16 levels"));

  // An id too long, cut for the message inside a multibyte character: once a 500 after arming the rest.
  r = post("[" + condition_json(std::string(63, 'a') + "€€€") + "]");
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["armed"].empty());
  CHECK(json::parse(http(run.port, "GET", "/conditions").body).empty());  // nothing armed by any of these

  // A key given twice: refused whole, naming it (nlohmann alone would keep the last, SHORT).
  r = post(R"({"id":"twice","coin":"BTC","direction":"LONG","direction":"SHORT","trigger_type":"ABOVE",)"
           R"("trigger_price":1000000,"position_size_usd":10,"valid_until":4102444800000})");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("has the key \\\"direction\\\" twice"));
  // An empty array says why it is refused.
  r = post("[]");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("the body holds no condition"));
  // Query strings: finite hours only, a key once, a bare key like an empty one.
  for (const char* q :
       {"/trades?hours=inf", "/trades?hours=nan", "/trades?hours=1e300", "/trades?hours=1&hours=2", "/trades?hours"})
    CHECK(http(run.port, "GET", q).status == 400);
  CHECK(http(run.port, "GET", "/events/").status == 404);
  CHECK(http(run.port, "GET", "/status/").status == 404);
  CHECK(http(run.port, "DELETE", "/conditions/", "", {auth}).status == 404);

  r = post(condition_json("ok-1"));
  CHECK(r.status == 201);
  r = post(condition_json("ok-1", R"(,"strategy_id":"another")"));  // the same id with other terms
  CHECK(r.status == 409);
  // Every refusal above is an events row: UTF-8, overflow, nesting, the long id, the key given twice, the
  // empty array and the duplicate id.
  REQUIRE(wait_until(
      [&] { return run.daemon.query("SELECT count(*) FROM events WHERE kind = 'CONDITION_REFUSED'") == "7"; }));
  CHECK(run.daemon.query("SELECT ref_id FROM events WHERE kind = 'CONDITION_REFUSED' ORDER BY seq DESC LIMIT 1") ==
        "ok-1");
  CHECK(http(run.port, "GET", "/health").status == 200);
  CHECK(stop(daemon) == 0);
}
