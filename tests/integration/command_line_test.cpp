// The command line as a user meets it: exit codes and the messages that say
// what is wrong, and a service run stopped by SIGTERM.

#include <signal.h>

#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "daemon_harness.hpp"

using namespace tradingd::test;

TEST_CASE("check-config accepts the shipped settings and prints them", "[integration][cli]") {
  DaemonHarness h("check-ok");
  const auto r = h.run({"--config", TRADINGD_SOURCE_DIR "/config/settings.toml", "--check-config"}, "check");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("max_exposure_pct = 0.1\n"));
  CHECK_THAT(r.out, Catch::Contains("cooldown_after_stop_ms = 0\n"));
  // The shipped config prices fills from the book, with a little slippage.
  CHECK_THAT(r.out, Catch::Contains("[paper]\ninitial_balance = 1000.0\nfee_pct = 0.001\nfill_on = \"quote\"\n"
                                    "slippage_bps = 2.0\nmax_quote_age_ms = 2000\n"));
  CHECK_THAT(r.out, Catch::Contains("[shutdown]"));
}

TEST_CASE("a misspelt key exits 2 naming the key and its line", "[integration][cli]") {
  DaemonHarness h("check-typo");
  h.write("bad.toml", "[risk]\nmax_positions = 3\nmax_posiitons = 4\n");
  const auto r = h.run({"--config", (h.dir() / "bad.toml").string(), "--check-config"}, "typo");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("bad.toml:3: risk.max_posiitons: unknown key"));
}

TEST_CASE("version, help and a bad command line", "[integration][cli]") {
  DaemonHarness h("cli");
  auto r = h.run({"--version"}, "version");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("tradingd "));
  r = h.run({"--help"}, "help");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("--replay"));
  r = h.run({}, "noargs");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--config FILE is required"));
  r = h.run({"--config", "x.toml", "--frobnicate"}, "unknown");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown argument '--frobnicate'"));
}

TEST_CASE("every numeric option is checked: --replay-rate must be finite, from 0 to 1e9", "[integration][cli][input]") {
  DaemonHarness h("replay-rate");
  h.write_config();
  const auto ticks = h.write("t.csv", "1764158400000,BTC,100\n").string();
  for (const std::string bad : {"inf", "nan", "-1", "1e10", "5x", ""}) {
    const auto r =
        h.run({"--config", (h.dir() / "settings.toml").string(), "--replay", ticks, "--replay-rate", bad}, "rate");
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--replay-rate needs a number of rows per second from 0 to 1e9"));
  }
  const auto ok =
      h.run({"--config", (h.dir() / "settings.toml").string(), "--replay", ticks, "--replay-rate", "1e9"}, "rate-ok");
  CHECK(ok.exit_code == 0);
}

TEST_CASE("bad start-up inputs exit 2 and say what and where", "[integration][cli]") {
  DaemonHarness h("bad-inputs");
  const auto cfg = h.write_config().string();
  const auto ticks = h.write("t.csv", "1764158400000,BTC,100\n").string();

  auto r =
      h.run({"--config", cfg, "--conditions", h.write("c.json", "[{\"id\": ").string(), "--replay", ticks}, "badjson");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("c.json:1: not valid JSON"));
  CHECK_FALSE(std::filesystem::exists(h.db_path()));  // refused before the journal opened

  const auto good = h.write("good.json", "[]").string();
  r = h.run({"--config", cfg, "--conditions", good, "--replay",
             h.write("bad.csv", "ts_ms,coin,price\n1764158400000,BTC,100\n1764158400100,XYZ,5\n1764158400200,BTC,abc\n")
                 .string()},
            "badcsv");
  // Read as it is replayed: row 2 trades, row 3 stops the run cleanly with exit 2.
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("bad.csv:3: coin: 'XYZ' is not one of the configured"));
  CHECK(h.query("SELECT count(*) FROM events WHERE kind='SHUTDOWN'") == "1");  // a clean journal
  const std::string log = read_file(h.log_path());
  CHECK_THAT(log,
             Catch::Contains(
                 "bad.csv:3: coin: 'XYZ' is not one of the configured [trading] coins (1 rows replayed before it)"));
  r = h.run({"--config", cfg, "--conditions", good, "--replay",
             h.write("bad-first.csv", "ts_ms,coin,price\n1764158400000,BTC,abc\n").string()},
            "badfirst");
  CHECK(r.exit_code == 2);  // before the first tick: a start-up error
  CHECK_THAT(r.err, Catch::Contains("bad-first.csv:2: price: 'abc' is not a real price"));

  h.set("storage", "db_path", "\"/proc/no-such-dir/journal.db\"");
  const auto bad_db = h.write_config("bad-db.toml").string();
  r = h.run({"--config", bad_db, "--replay", ticks}, "baddb");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/proc/no-such-dir"));
}

TEST_CASE("a bad condition is refused naming the field while the others load", "[integration][cli]") {
  DaemonHarness h("bad-condition");
  h.write_config();
  const auto conditions = h.write("c.json", R"([
    {"id":"good","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":100,
     "position_size_usd":10,"valid_until":"2030-01-01T00:00:00Z"},
    {"id":"bad","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":-1,
     "position_size_usd":10,"valid_until":"2030-01-01T00:00:00Z"}])");
  const auto r = h.replay(conditions, h.write("t.csv", "1764158400000,BTC,50\n"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(
      r.out,
      Catch::Contains(
          "condition #2 (id \"bad\") refused: trigger_price: must be a real price (finite, from 1e-12 to 1e12)"));
  CHECK(h.query("SELECT group_concat(id) FROM conditions") == "good");
  CHECK(h.query("SELECT count(*) FROM events WHERE kind = 'CONDITION_REFUSED'") == "1");
}

TEST_CASE("as a service it prints the health line every interval and stops cleanly on SIGTERM",
          "[integration][cli][service]") {
  DaemonHarness h("service");
  h.set("shutdown", "conditions", "\"keep\"");
  h.write_config();
  const auto conditions = h.write("c.json", R"([{"id":"armed","coin":"SOL","direction":"LONG",
    "trigger_type":"ABOVE","trigger_price":100,"position_size_usd":10,"valid_until":"2030-01-01T00:00:00Z"}])");
  TestProcess p(
      {TRADINGD_BINARY, "--config", (h.dir() / "settings.toml").string(), "--conditions", conditions.string()}, h.dir(),
      "service");
  const std::regex health(R"(Conditions: 1 \| Positions: 0 \| Feed: DISCONNECTED \| Ticks/s: 0 \| Balance: 1000\.00)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string log;
  int lines = 0;
  while (std::chrono::steady_clock::now() < deadline && lines < 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log = read_file(h.log_path());
    lines =
        static_cast<int>(std::distance(std::sregex_iterator(log.begin(), log.end(), health), std::sregex_iterator()));
  }
  INFO(log);
  CHECK(lines >= 3);  // interval_ms = 100
  p.signal(SIGTERM);
  const auto code = p.wait(std::chrono::seconds(10));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  log = read_file(h.log_path());
  CHECK_THAT(log, Catch::Contains("Shutting down (SIGTERM)"));
  // No exchange listens: the feed keeps retrying, trading stays paused.
  CHECK_THAT(log, Catch::Matches(
                      R"((.|\n)*Disconnected from bybit: connect: Connection refused; retrying in [0-9.]+ s(.|\n)*)"));
  CHECK_THAT(log, Catch::Contains("Shutdown complete: 0 conditions cancelled, 1 kept"));
  CHECK(h.query("SELECT status FROM conditions WHERE id = 'armed'") == "ACTIVE");
  CHECK(h.query("SELECT kind FROM events ORDER BY seq DESC LIMIT 1") == "SHUTDOWN");
}

TEST_CASE("recording options: what --replay-session needs and what it refuses exit 2 saying why",
          "[integration][cli]") {
  DaemonHarness h("cli-record");
  const auto config = h.write_config();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--replay-session", (h.dir() / "s").string()}, "--replay-session needs --db FILE"},
      {{"--config", config.string(), "--db", (h.dir() / "x.db").string()}, "--db needs --replay-session"},
      {{"--replay-session", (h.dir() / "s").string(), "--db", "x.db", "--conditions", "c.json"},
       "--replay-session takes only --db FILE and --config FILE"},
      {{"--config", config.string(), "--record", "rec", "--replay", "t.csv"}, "--record records a live session"},
      {{"--replay-session", (h.dir() / "nowhere").string(), "--db", (h.dir() / "x.db").string()}, "not a folder"},
      {{"--replay-session", h.dir().string(), "--db", (h.dir() / "x.db").string()}, "no config.toml"},
  };
  for (const auto& c : cases) {
    const auto r = h.run(c.args, "cli-record");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.says));
  }
  CHECK_FALSE(std::filesystem::exists(h.dir() / "x.db"));
  // A record folder that cannot be made stops start-up naming it.
  h.write("file", "");
  h.set("record", "dir", "\"file/rec\"");
  h.write_config();
  const auto r = h.run({"--config", config.string()}, "cli-record-dir");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("[record] dir"));
  CHECK_THAT(r.err, Catch::Contains("cannot create"));
}
