// The replay clock (design.md §12) against the real daemon: tradingd replays a
// minute of BTC with --api, and a strategist (this test) arms through the API
// and moves time with POST /clock/advance, the way a Python strategist does in
// a backtest. Checked as a user would: the answers, the events pushed, the
// journal on disk right after each answer, the exit code; then that the same
// arms give the same journal in max, speed:N and lockstep, and that the same
// strategist twice gives the same journal.

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include "api_run.hpp"
#include "daemon_harness.hpp"
#include "events_client.hpp"
#include "http_client.hpp"
#include "model_check.hpp"
#include "random_scenario.hpp"
#include "reference_model.hpp"

using namespace tradingd::test;
using json = nlohmann::json;

namespace {

// 2025-11-26T12:00:00Z: a minute of BTC, a row every 250 ms, rising from 100
// to 110 over the first 40 s, then falling back to 102.
constexpr std::int64_t start_ms = 1'764'158'400'000;
constexpr std::int64_t last_row_ms = start_ms + 59'750;

std::string minute_of_btc() {
  std::string csv = "ts_ms,coin,price\n";
  for (int i = 0; i < 240; ++i) {
    const double price = i < 160 ? 100.0 + i * (10.0 / 159) : 110.0 - (i - 159) * (8.0 / 80);
    char line[96];
    std::snprintf(line, sizeof line, "%lld,BTC,%.6f\n", static_cast<long long>(start_ms + i * 250LL), price);
    csv += line;
  }
  return csv;
}

// LONG above 105 with a 2 % stop and 1.5 % take-profit: opens 20 s in (at
// ~105.03), takes profit about 26 s in (~106.6).
std::string breakout(const std::string& id, std::optional<std::int64_t> created_at = std::nullopt) {
  json c{{"id", id},
         {"coin", "BTC"},
         {"direction", "LONG"},
         {"trigger_type", "ABOVE"},
         {"trigger_price", 105},
         {"position_size_usd", 50},
         {"stop_loss_pct", 0.02},
         {"take_profit_pct", 0.015},
         {"strategy_id", "breakout"},
         {"valid_until", start_ms + 3'600'000}};
  if (created_at) c["created_at"] = *created_at;
  return c.dump();
}

struct ReplayDaemon {
  explicit ReplayDaemon(const std::string& tag) : h(tag) {
    h.set("paper", "slippage_bps", "0");
    h.write("minute.csv", minute_of_btc());
    h.write_config();
  }

  // Starts the replay of the minute with `extra` options and the token; waits for the API.
  void start(const std::vector<std::string>& extra) { start_file("minute.csv", extra); }
  void start_file(const std::string& file, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     std::string("TRADINGD_API_TOKEN=") + token,
                                     TRADINGD_BINARY,
                                     "--config",
                                     (h.dir() / "settings.toml").string(),
                                     "--replay",
                                     (h.dir() / file).string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process.emplace(argv, h.dir(), "tradingd");
    static const std::regex re(R"(Control API on http://127\.0\.0\.1:([0-9]+))");
    std::smatch m;
    std::string text;
    if (!wait_until([&] {
          text = std::filesystem::exists(h.log_path()) ? read_file(h.log_path()) : "";
          return std::regex_search(text, m, re);
        }))
      FAIL("no 'Control API on' line\n--- log:\n" << text << "\n--- stderr:\n" << process->stderr_text());
    port = static_cast<unsigned short>(std::stoi(m[1]));
  }

  HttpReply post(const std::string& target, const std::string& body) {
    return http(port, "POST", target, body, {auth});
  }
  json get(const std::string& target) {
    const auto r = http(port, "GET", target);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  // An advance that must succeed: its answer.
  json advance(const std::string& body) {
    const auto r = post("/clock/advance", body);
    INFO(body << " -> " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  int wait_exit() {
    const auto code = process->wait(std::chrono::seconds(60));
    INFO("--- log:\n" << (std::filesystem::exists(h.log_path()) ? read_file(h.log_path()) : std::string()));
    REQUIRE(code);
    return *code;
  }

  DaemonHarness h;
  std::optional<TestProcess> process;
  unsigned short port = 0;
};

// The journal as a strategist's result: every row of conditions, trades and
// balance, and the events by kind, reference and detail.
std::string trading_rows(const DaemonHarness& h) {
  return DaemonHarness::rows(h.db_path(), "SELECT * FROM conditions ORDER BY id") +
         DaemonHarness::rows(h.db_path(), "SELECT * FROM trades ORDER BY id") +
         DaemonHarness::rows(h.db_path(), "SELECT balance, reason, ts_ms FROM balance ORDER BY seq") +
         DaemonHarness::rows(h.db_path(), "SELECT kind, ref_id, detail FROM events ORDER BY seq");
}

// A strategist in lockstep: arms at the start, watches every event, advances
// 5 s at a time and checks each answer against the journal and the stream;
// finishes once the data is done. Returns the journal's rows.
std::string run_strategist(const std::string& tag) {
  ReplayDaemon d(tag);
  d.start({"--api", "--clock", "lockstep"});

  const json clock0 = d.get("/clock");
  CHECK(
      clock0 ==
      json{{"mode", "lockstep"}, {"now_ms", start_ms}, {"first_ms", start_ms}, {"last_ms", nullptr}, {"done", false}});
  CHECK(http(d.port, "GET", "/health").status == 200);  // held, and healthy
  CHECK(d.get("/status").at("clock") == json{{"mode", "lockstep"}, {"now_ms", start_ms}});

  EventsClient events(d.port, "/events?since=0");
  // Armed with no created_at: created at replay time.
  REQUIRE(d.post("/conditions", breakout("bo-1")).status == 201);

  // Refusals move nothing.
  for (const char* bad : {R"({"until_ms": 1764158399999})", R"({"by_ms": -5})", R"({"by_ms": "5"})", "{}",
                          R"({"by_ms": 5, "until_ms": 1764158405000})", "nonsense"}) {
    INFO(bad);
    CHECK(d.post("/clock/advance", bad).status == 400);
  }
  CHECK(http(d.port, "POST", "/clock/advance", R"({"by_ms": 1000})").status == 401);  // no token
  CHECK(d.get("/clock").at("now_ms") == start_ms);

  std::int64_t now = start_ms;
  std::int64_t seen_seq = 0;
  bool opened = false, closed = false;
  json answer;
  do {
    answer = d.advance(R"({"by_ms": 5000})");
    now += 5000;
    CHECK(answer.at("now_ms") == now);
    const std::int64_t last_seq = answer.at("last_event_seq");
    // Committed at once: the journal on disk already has every event of the answer.
    CHECK(d.h.query("SELECT COALESCE(MAX(seq), 0) FROM events") == std::to_string(last_seq));
    // And the stream has them, up to that seq exactly.
    if (last_seq > seen_seq) {
      const auto got = events.until([&](const json& m) { return m.at("seq") == last_seq; }, std::chrono::seconds(5));
      REQUIRE(got);
      for (const auto& m : *got) {
        CHECK(m.at("seq").get<std::int64_t>() <= last_seq);
        CHECK(m.at("ts_ms").get<std::int64_t>() <= now);  // caused by rows up to now
        opened = opened || m.at("kind") == "POSITION_OPENED";
        closed = closed || m.at("kind") == "POSITION_CLOSED";
      }
      seen_seq = last_seq;
    }
    if (opened && !closed) CHECK(d.h.query("SELECT status FROM trades WHERE condition_id = 'bo-1'") == "OPEN");
  } while (!answer.at("done").get<bool>() && now < start_ms + 120'000);
  CHECK(answer.at("done") == true);
  CHECK(now == start_ms + 60'000);  // the advance that applied the last row (59.75 s) said done
  CHECK(opened);
  CHECK(closed);
  CHECK(d.h.query("SELECT created_at_ms FROM conditions WHERE id = 'bo-1'") == std::to_string(start_ms));
  CHECK(d.h.query("SELECT exit_reason FROM trades WHERE condition_id = 'bo-1'") == "TAKE_PROFIT");

  const json clock1 = d.get("/clock");
  CHECK(clock1.at("done") == true);
  CHECK(clock1.at("last_ms") == last_row_ms);
  // After the data: time still moves, nothing is applied.
  CHECK(d.advance(R"({"by_ms": 1000})").at("now_ms") == now + 1000);

  const auto finished = d.post("/clock/finish", "");
  CHECK(finished.status == 200);
  CHECK(json::parse(finished.body).at("now_ms") == now + 1000);
  CHECK(d.wait_exit() == 0);
  CHECK(d.h.query("SELECT COUNT(*) FROM events WHERE kind = 'SHUTDOWN'") == "1");
  CHECK(json::parse(finished.body).at("last_event_seq") == std::stoll(d.h.query("SELECT MAX(seq) FROM events")));
  return trading_rows(d.h);
}

// A replay of the minute under `clock` with the breakout armed from a file at
// the start; returns the journal's rows and the wall time it took.
std::pair<std::string, double> run_with_file(const std::string& tag, const std::vector<std::string>& clock) {
  ReplayDaemon d(tag);
  d.h.write("conditions.json", "[" + breakout("bo-1", start_ms) + "]");
  std::vector<std::string> args = {"--conditions", (d.h.dir() / "conditions.json").string()};
  args.insert(args.end(), clock.begin(), clock.end());
  const auto t0 = std::chrono::steady_clock::now();
  d.start(args);
  if (std::find(clock.begin(), clock.end(), "lockstep") != clock.end()) {
    json a;
    do a = d.advance(R"({"by_ms": 1000})");
    while (!a.at("done").get<bool>());
    REQUIRE(d.post("/clock/finish", "{}").status == 200);
  }
  CHECK(d.wait_exit() == 0);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {trading_rows(d.h), wall};
}

}  // namespace

TEST_CASE("lockstep: a strategist arms and advances, and every answer comes after its commit and its events",
          "[integration][clock]") {
  const std::string first = run_strategist("clock-lockstep-1");
  // The same strategist on the same data again: the same journal, row for row.
  const std::string second = run_strategist("clock-lockstep-2");
  CHECK(first == second);
}

TEST_CASE("the same arms at the same replay times give the same journal under max, speed:20 and lockstep",
          "[integration][clock]") {
  const auto [max_rows, max_wall] = run_with_file("clock-max", {"--api"});
  const auto [speed_rows, speed_wall] = run_with_file("clock-speed", {"--api", "--clock", "speed:20"});
  const auto [lock_rows, lock_wall] = run_with_file("clock-lockstep", {"--api", "--clock", "lockstep"});
  CHECK(max_rows.find("TAKE_PROFIT") != std::string::npos);
  CHECK(speed_rows == max_rows);
  CHECK(lock_rows == max_rows);
  // speed:20 plays 59.75 s of market in ~3 s; generous above for a loaded machine.
  CHECK(speed_wall >= 59.75 / 20 * 0.95);
  CHECK(speed_wall < 59.75 / 20 + 10);
  (void)max_wall;
  (void)lock_wall;
}

TEST_CASE("SIGTERM ends a held lockstep replay as a replay ends: final sweep, shutdown, exit 0",
          "[integration][clock]") {
  ReplayDaemon d("clock-sigterm");
  d.start({"--api", "--clock", "lockstep"});
  REQUIRE(d.post("/conditions", breakout("bo-1")).status == 201);
  CHECK(d.advance(R"({"until_ms": 1764158410000})").at("done") == false);
  d.process->signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
  CHECK(d.h.query("SELECT json_extract(detail, '$.reason') FROM events WHERE kind = 'SHUTDOWN'") == "SIGTERM");
  CHECK(d.h.query("SELECT MAX(ts_ms) FROM events") == std::to_string(start_ms + 10'000));
  CHECK(d.h.query("SELECT COUNT(*) FROM trades") == "0");  // the rows after 10 s were never applied
}

TEST_CASE("shift-time-to moves every market time by one constant and the journal says by how much",
          "[integration][clock]") {
  const auto trades_moved_back = [](const DaemonHarness& h, std::int64_t by) {
    return DaemonHarness::rows(h.db_path(),
                               "SELECT entry_ms - " + std::to_string(by) + ", exit_ms - " + std::to_string(by) +
                                   ", entry_price, exit_price, exit_reason, pnl_usd FROM trades ORDER BY id");
  };
  ReplayDaemon plain("clock-unshifted");
  plain.h.write("conditions.json", "[" + breakout("bo-1", start_ms) + "]");
  REQUIRE(plain.h
              .run({"--config", (plain.h.dir() / "settings.toml").string(), "--conditions",
                    (plain.h.dir() / "conditions.json").string(), "--replay", (plain.h.dir() / "minute.csv").string()},
                   "plain")
              .exit_code == 0);
  ReplayDaemon d("clock-shifted");
  // 2031-03-04, same time of day: the conditions file is written for the shifted world.
  constexpr std::int64_t shift = 1'930'348'800'000 - 1'764'115'200'000;  // 2031-03-04 - 2025-11-26, midnights
  json shifted = json::parse(breakout("bo-1", start_ms + shift));
  shifted["valid_until"] = start_ms + shift + 3'600'000;
  d.h.write("conditions.json", "[" + shifted.dump() + "]");
  const auto r = d.h.run(
      {"--config", (d.h.dir() / "settings.toml").string(), "--conditions", (d.h.dir() / "conditions.json").string(),
       "--replay", (d.h.dir() / "minute.csv").string(), "--shift-time-to", "2031-03-04"},
      "shifted");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(d.h.query("SELECT json_extract(detail, '$.shift_ms') FROM events WHERE kind = 'TIME_SHIFT'") ==
        std::to_string(shift));
  CHECK(d.h.query("SELECT json_extract(detail, '$.first_row_time') FROM events WHERE kind = 'TIME_SHIFT'") ==
        "2025-11-26T12:00:00.000Z");
  CHECK(d.h.query("SELECT json_extract(detail, '$.replayed_at') FROM events WHERE kind = 'TIME_SHIFT'") ==
        "2031-03-04T12:00:00.000Z");
  // Every time in the journal is in the shifted world...
  CHECK(d.h.query("SELECT MIN(ts_ms) FROM events") == std::to_string(start_ms + shift));
  CHECK(d.h.query("SELECT COUNT(*) FROM events WHERE ts_ms < " + std::to_string(start_ms + shift)) == "0");
  // ...and the trades are the unshifted run's, moved by the shift.
  const std::string moved = trades_moved_back(d.h, shift);
  CHECK(moved.find("TAKE_PROFIT") != std::string::npos);
  CHECK(moved == trades_moved_back(plain.h, 0));
  // The bad ones are start-up errors naming the option.
  const auto bad = d.h.run({"--config", (d.h.dir() / "settings.toml").string(), "--replay",
                            (d.h.dir() / "minute.csv").string(), "--shift-time-to", "next tuesday"},
                           "bad-shift");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--shift-time-to needs a date") != std::string::npos);
}

TEST_CASE("lockstep: a strategist's arms at their replay times, fed to the reference model, give the journal's trades",
          "[integration][clock][property]") {
  // Trailing stops, time limits, OCO groups, cooldowns and quote fills, armed one
  // by one through the API as replay time moves, not all at the start.
  const tradingd::test::Scenario s = tradingd::test::make_rich_scenario(5, 3000, 120, start_ms, false);
  ReplayDaemon d("clock-model");
  configure(d.h, s);
  d.h.write("rows.csv", ticks_csv(s.ticks));
  d.start_file("rows.csv", {"--api", "--clock", "lockstep"});

  const std::int64_t span = s.ticks.back().ts - start_ms;
  const std::int64_t step = span / static_cast<std::int64_t>(s.conditions.size()) + 1;
  std::vector<std::pair<std::int64_t, tradingd::TradeCondition>> arms;  // what was armed, at which replay time
  // The rows at the first time first: an arm comes after every row up to its time.
  std::int64_t now = d.advance(R"({"by_ms": 0})").at("now_ms").get<std::int64_t>();
  for (const auto& c : s.conditions) {
    if (c.valid_until_ms > now) {  // one that has not expired by now (tradingd refuses those)
      tradingd::TradeCondition armed = c;
      armed.created_at_ms = now;
      const auto r = d.post("/conditions", conditions_json({armed}));
      INFO(r.body);
      REQUIRE(r.status == 201);
      arms.emplace_back(now, armed);
    }
    now = d.advance("{\"by_ms\": " + std::to_string(step) + "}").at("now_ms").get<std::int64_t>();
  }
  while (!d.advance(R"({"by_ms": 1000})").at("done").get<bool>()) {
  }
  now = d.get("/clock").at("now_ms").get<std::int64_t>();
  REQUIRE(d.post("/clock/finish", "").status == 200);
  REQUIRE(d.wait_exit() == 0);
  REQUIRE(d.h.invariant_violations(1000.0).empty());

  // The model sees the same: each arm after every row up to its time, the
  // sweep before each new second's first row, the final sweep and the
  // shutdown's cancels at the finish's time.
  tradingd::test::ReferenceModel model(s.risk, s.paper);
  std::size_t next = 0;
  long long last_second = -1;
  for (const auto& t : s.ticks) {
    while (next < arms.size() && arms[next].first < t.ts) model.arm(arms[next++].second);
    if (t.ts / 1000 != last_second) {
      last_second = t.ts / 1000;
      model.sweep(t.ts);
    }
    if (t.has_quote()) model.quote(t.coin, tradingd::test::ModelQuote{t.has_bid, t.has_ask, t.bid, t.ask}, t.ts);
    if (t.has_price) model.tick(t.coin, t.price, t.ts);
  }
  while (next < arms.size()) model.arm(arms[next++].second);
  model.sweep(now);
  model.cancel_all(now);
  auto seen = check_against(d.h, model);
  std::size_t closed = 0;
  for (const auto& [k, v] : seen)
    if (k.rfind("CLOSED", 0) == 0) closed += v;
  CHECK(closed > 10);
  CHECK(arms.size() > 50);
}
