// Session recordings (design.md §11) without a daemon: the chunk format read back
// exactly, the recorder thread's chunks, gaps and failures, retention, and a
// reader that drops only a crash's cut member at the very end.

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "archive_writer.hpp"
#include "config_error_text.hpp"
#include "sim_process.hpp"
#include "test_process.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/config_loader.hpp"
#include "tradingd/domain/latched_clock.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/record/session_format.hpp"
#include "tradingd/record/session_line_writer.hpp"
#include "tradingd/record/session_reader.hpp"
#include "tradingd/record/session_recorder.hpp"

using namespace tradingd;
using tradingd::test::config_error;
using tradingd::test::TempDir;

namespace {

const std::vector<std::string> coin_names = {"BTC", "ETH"};

SessionInput tick(std::int64_t now, CoinId coin, double price, std::int64_t ts) {
  SessionInput in;
  in.kind = SessionInput::Kind::Tick;
  in.now_ms = now;
  in.coin = coin;
  in.a = price;
  in.has_a = true;
  in.ts_ms = ts;
  return in;
}

SessionInput text_input(SessionInput::Kind kind, std::int64_t now, std::string text = {}) {
  SessionInput in;
  in.kind = kind;
  in.now_ms = now;
  in.text = std::move(text);
  return in;
}

std::string line_of(const SessionInput& in) {
  std::string out;
  SessionFormat::append(in, coin_names, out);
  return out;
}

SessionInput parsed(const std::string& line, std::string* coin = nullptr) {
  SessionInput in;
  std::string_view c;
  const auto err = SessionFormat::parse(std::string_view(line).substr(0, line.size() - 1), in, c);
  INFO(line);
  REQUIRE_FALSE(err);
  if (coin) *coin = std::string(c);
  return in;
}

std::future<std::string> ready(std::string value = {}) {
  std::promise<std::string> p;
  p.set_value(std::move(value));
  return p.get_future();
}

// What a session folder's reader hands out, as lines again.
std::vector<std::string> read_all(SessionReader& reader) {
  std::vector<std::string> out;
  SessionInput in;
  std::string_view coin;
  while (reader.next(in, coin)) {
    std::string line;
    const auto id = std::find(coin_names.begin(), coin_names.end(), coin);
    if (in.kind == SessionInput::Kind::Tick || in.kind == SessionInput::Kind::Quote) {
      REQUIRE(id != coin_names.end());
      in.coin = static_cast<CoinId>(id - coin_names.begin());
    }
    SessionFormat::append(in, coin_names, line);
    out.push_back(line);
  }
  return out;
}

void append_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::app);
  f << bytes;
}

// A session folder as the recorder leaves it, for the reader tests.
void session_files(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  tradingd::test::write_file(dir / "config.toml", "[trading]\ncoins = [\"BTC\", \"ETH\"]\n");
  tradingd::test::write_file(dir / "base.db", "");
}

}  // namespace

TEST_CASE("session format: every kind of input reads back as written with numbers exact", "[unit][record]") {
  // Doubles that a printf("%g") would round: the shortest text that reads back the same.
  const double awkward = 0.1 + 0.2;
  auto t = tick(1796475469765, 1, 96958.446525 + awkward, 1796475469724);
  const std::string tl = line_of(t);
  CHECK(tl == "1796475469765,tick,ETH,96958.74652500001,1796475469724\n");  // not 96958.746525: that is another double
  std::string coin;
  const auto back = parsed(tl, &coin);
  CHECK(coin == "ETH");
  CHECK(back.a == t.a);
  CHECK(back.ts_ms == t.ts_ms);

  SessionInput q;
  q.kind = SessionInput::Kind::Quote;
  q.now_ms = 5;
  q.coin = 0;
  q.a = 3498.6398050000003;
  q.has_a = true;
  q.has_b = false;  // Bybit's empty level: one side only
  q.ts_ms = 4;
  const std::string ql = line_of(q);
  CHECK(ql == "5,quote,BTC,3498.6398050000003,,4\n");
  const auto qb = parsed(ql);
  CHECK(qb.has_a);
  CHECK_FALSE(qb.has_b);
  CHECK(qb.a == q.a);

  for (auto k :
       {SessionInput::Kind::Sweep, SessionInput::Kind::Halt, SessionInput::Kind::Resume, SessionInput::Kind::Flatten}) {
    const auto l = line_of(text_input(k, 7));
    CHECK(parsed(l).kind == k);
  }
  auto gap = text_input(SessionInput::Kind::Gap, 9);
  gap.ts_ms = 1234;
  CHECK(line_of(gap) == "9,gap,1234\n");
  CHECK(parsed(line_of(gap)).ts_ms == 1234);

  // A text with commas and quotes stays one field: the JSON runs to the end of the line.
  const auto cancel = text_input(SessionInput::Kind::Cancel, 11,
                                 SessionFormat::fields_text({{"id", "a,b\"c"}, {"reason", "cancelled, via the API"}}));
  const auto cb = parsed(line_of(cancel));
  CHECK(cb.kind == SessionInput::Kind::Cancel);
  const auto fields = SessionFormat::parse_fields(cb.text);
  CHECK(fields.at("id") == "a,b\"c");
  CHECK(fields.at("reason") == "cancelled, via the API");
}

TEST_CASE("the recorder's line writer writes the very bytes SessionFormat writes", "[unit][record]") {
  // Its copies of repeated numbers must never show a stale one: runs of equal
  // and changing times and prices, both signs of zero, absent quote sides,
  // extreme values, a coin with a long name and the other kinds between them.
  const std::vector<std::string> names = {"BTC", "ETH", std::string(80, 'X')};
  SessionLineWriter writer(names);
  std::mt19937_64 rng(42);
  const double prices[] = {97000.5, 97000.5, 0.0, -0.0, 1e-300, 1.7976931348623157e308, 0.1 + 0.2, 3.0, 97000.6};
  const std::int64_t times[] = {0, 1764158400000, 1764158400000, 1764158400001, 253402300799999};
  std::string ours, theirs;
  for (int i = 0; i < 20000; ++i) {
    SessionInput in;
    const auto pick = rng() % 10;
    in.kind = pick < 5 ? SessionInput::Kind::Tick : pick < 9 ? SessionInput::Kind::Quote : SessionInput::Kind::Sweep;
    if (rng() % 50 == 0) in = text_input(SessionInput::Kind::Cancel, 5, R"({"id":"c1","reason":"x"})");
    in.coin = static_cast<CoinId>(rng() % names.size());
    in.now_ms = times[rng() % std::size(times)];
    in.ts_ms = rng() % 4 == 0 ? in.now_ms : times[rng() % std::size(times)];
    in.a = prices[rng() % std::size(prices)];
    in.b = prices[rng() % std::size(prices)];
    in.has_a = in.kind == SessionInput::Kind::Tick || rng() % 4 != 0;
    in.has_b = in.kind == SessionInput::Kind::Quote && rng() % 4 != 0;
    writer.append(in, ours);
    SessionFormat::append(in, names, theirs);
    if (ours != theirs) {
      INFO("input " << i);
      REQUIRE(ours == theirs);
    }
  }
  CHECK(ours.size() > 20000 * 10);
}

TEST_CASE("the line writer's short path for exchange prices writes what std::to_chars writes", "[unit][record]") {
  // Prices as exchanges send them (a few decimals, every magnitude from 1e-9
  // to 1e8, round ones that to_chars writes as 1e+05), and arbitrary doubles.
  const std::vector<std::string> names = {"BTC"};
  SessionLineWriter writer(names);
  std::mt19937_64 rng(7);
  std::string ours, theirs;
  const double scales[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
  for (int i = 0; i < 400000; ++i) {
    SessionInput in;
    in.kind = SessionInput::Kind::Tick;
    in.now_ms = 1764158400000;
    in.ts_ms = 1764158400000;
    in.has_a = true;
    const auto pick = rng() % 4;
    if (pick == 0) {
      in.a = std::bit_cast<double>(rng());  // any bits: NaN, infinities, subnormals, negatives
    } else if (pick == 1) {
      in.a = static_cast<double>(rng() % 1000) * std::pow(10.0, static_cast<int>(rng() % 20) - 10);
    } else {
      in.a = static_cast<double>(rng() % 100'000'000'000) / scales[rng() % std::size(scales)];
    }
    ours.clear();
    theirs.clear();
    writer.append(in, ours);
    SessionFormat::append(in, names, theirs);
    if (ours != theirs) {
      INFO("price " << std::hexfloat << in.a);
      REQUIRE(ours == theirs);
    }
  }
}

TEST_CASE("session format: a condition reads back with every field as armed", "[unit][record]") {
  TradeCondition c;
  c.id = "c-1";
  c.coin = "BTC";
  c.direction = Direction::Short;
  c.trigger_type = TriggerType::Below;
  c.trigger_price = 97000.123456789;
  c.stop_loss_pct = 0.1 + 0.2;
  c.take_profit_pct = 0.015;
  c.position_size_usd = 33.33;
  c.strategy_id = "s";
  c.reasoning = "line one\nline two, with \"quotes\" and ünïcode";
  c.valid_until_ms = 4070908800000;
  c.created_at_ms = 1796475469624;
  c.trailing_stop_pct = 0.002;
  c.trailing_activation_pct = 0.0;
  c.max_hold_ms = 3000;
  c.oco_group = "pair";
  const std::string text = SessionFormat::arm_text(c, "request body");
  CHECK(text.find('\n') == std::string::npos);  // one line
  std::string origin;
  const TradeCondition back = SessionFormat::parse_arm(text, origin);
  CHECK(origin == "request body");
  CHECK(back.same_terms(c));
  CHECK(back.created_at_ms == c.created_at_ms);
  CHECK(back.stop_loss_pct == c.stop_loss_pct);
  CHECK(back.trailing_activation_pct == c.trailing_activation_pct);

  c.trailing_stop_pct.reset();
  c.trailing_activation_pct.reset();
  c.max_hold_ms.reset();
  const TradeCondition plain = SessionFormat::parse_arm(SessionFormat::arm_text(c, "f"), origin);
  CHECK_FALSE(plain.trailing_stop_pct);
  CHECK_FALSE(plain.max_hold_ms);
  CHECK_THROWS_AS(SessionFormat::parse_arm(R"({"origin":"x","condition":{"id":"a"}})", origin), std::invalid_argument);

  // Times and the time limit only as integers a live run can have written (a
  // float such as 8e36 once reached an unchecked conversion: the fuzzer's find).
  const std::string good = SessionFormat::arm_text(c, "f");
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    const auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  for (const auto& bad : {"8.14e36", "1.5", "18446744073709551615", "-1", "253402300800000", "\"1\""}) {
    INFO(bad);
    CHECK_THROWS_WITH(SessionFormat::parse_arm(
                          with("\"created_at_ms\":1796475469624", std::string("\"created_at_ms\":") + bad), origin),
                      Catch::Contains("created_at_ms is not"));
  }
  CHECK_THROWS_WITH(
      SessionFormat::parse_arm(with("\"valid_until_ms\":4070908800000", "\"valid_until_ms\":1e20"), origin),
      Catch::Contains("valid_until_ms is not an integer"));
  c.max_hold_ms = 3000;
  std::string limited = SessionFormat::arm_text(c, "f");
  const auto at = limited.find("\"max_hold_ms\":3000");
  REQUIRE(at != std::string::npos);
  limited.replace(at, std::strlen("\"max_hold_ms\":3000"), "\"max_hold_ms\":3e3");
  CHECK_THROWS_WITH(SessionFormat::parse_arm(limited, origin), Catch::Contains("max_hold_ms is not an integer"));
}

TEST_CASE("session format: malformed lines are refused with the reason", "[unit][record]") {
  SessionInput in;
  std::string_view coin;
  CHECK(SessionFormat::parse("x,tick,BTC,1,2", in, coin) ==
        std::optional<std::string>("the first field is not a time in ms from 1970 to 9999"));
  CHECK(SessionFormat::parse("1,trade,BTC,1,2", in, coin)->find("unknown input kind 'trade'") == 0);
  CHECK(SessionFormat::parse("1,tick,BTC,abc,2", in, coin)->find("price") != std::string::npos);
  CHECK(SessionFormat::parse("1,tick,BTC,1,2,3", in, coin).has_value());
  CHECK(SessionFormat::parse("1,quote,BTC,1,2", in, coin).has_value());
  CHECK(SessionFormat::parse("1,sweep,extra", in, coin).has_value());
  CHECK(SessionFormat::parse("1,gap,0", in, coin).has_value());
  CHECK(SessionFormat::parse("1,cancel,not json", in, coin)->find("JSON") != std::string::npos);
  // Not real values: times beyond 9999 or at the int64 edge, non-finite numbers.
  CHECK(SessionFormat::parse("9223372036854775807,tick,BTC,1,2", in, coin).has_value());
  CHECK(SessionFormat::parse("253402300800000,sweep", in, coin).has_value());
  CHECK(SessionFormat::parse("-1,sweep", in, coin).has_value());
  CHECK(SessionFormat::parse("1,tick,BTC,1,-9223372036854775808", in, coin).has_value());
  CHECK(SessionFormat::parse("1,tick,BTC,nan,2", in, coin).has_value());
  CHECK(SessionFormat::parse("1,tick,BTC,inf,2", in, coin).has_value());
  CHECK(SessionFormat::parse("1,quote,BTC,,-inf,2", in, coin).has_value());
}

TEST_CASE("recorder: a session folder holds config.toml and base.db and chunks whose inputs read back in order",
          "[unit][record]") {
  TempDir tmp("recorder");
  RecordSettings rs;
  rs.dir = tmp / "rec";
  std::vector<std::string> expected;
  std::filesystem::path session;
  {
    SessionRecorder rec(rs, "[trading]\ncoins = [\"BTC\", \"ETH\"]\n", coin_names, 1796475469624);
    session = rec.session_dir();
    CHECK(session.filename() == "20261205T125749Z");
    tradingd::test::write_file(rec.base_db_path(), "");  // the journal's writer makes it in the daemon
    rec.start(ready());
    for (int i = 0; i < 5000; ++i) {
      auto in = i % 1000 == 0 ? text_input(SessionInput::Kind::Sweep, 1000 + i)
                              : tick(1000 + i, i % 2, 100.0 + i * 0.01, 990 + i);
      expected.push_back(line_of(in));
      rec.record(in);
      if (i % 1000 == 999) std::this_thread::sleep_for(std::chrono::milliseconds(60));  // members in between
    }
    rec.stop();
    const auto st = rec.stats();
    CHECK(st.recorded == 5000);
    CHECK(st.lost == 0);
    CHECK(st.members >= 3);  // ended at every flush, not once at the end
    CHECK(rec.active());
  }
  CHECK(tradingd::test::read_file(session / "config.toml").find("coins") != std::string::npos);
  SessionReader reader(session);
  CHECK(reader.chunks().size() == 1);
  CHECK(read_all(reader) == expected);
  CHECK(reader.cut().empty());
  // A second start in the same second gets a folder of its own.
  SessionRecorder again(rs, "", coin_names, 1796475469624);
  CHECK(again.session_dir().filename() == "20261205T125749Z-2");
}

TEST_CASE("recorder: a full queue loses inputs and the next one is preceded by a gap line", "[unit][record]") {
  TempDir tmp("recorder-gap");
  RecordSettings rs;
  rs.dir = tmp / "rec";
  SessionRecorder rec(rs, "", coin_names, 0, /*capacity=*/2);
  tradingd::test::write_file(rec.base_db_path(), "");
  std::promise<std::string> base;
  rec.start(base.get_future());  // the thread waits for base.db: nothing is taken from the queue yet
  for (int i = 0; i < 5; ++i) {
    auto in = tick(i, 0, 100 + i, i);
    rec.record(in);
  }
  CHECK(rec.stats().lost == 3);
  CHECK(rec.stats().gaps == 1);
  base.set_value("");
  REQUIRE(tradingd::test::wait_until([&] { return rec.stats().recorded == 2; }));
  auto last = tick(9, 1, 200, 9);
  rec.record(last);
  rec.stop();
  SessionReader reader(rec.session_dir());
  const auto lines = read_all(reader);
  REQUIRE(lines.size() == 4);
  CHECK(lines[2] == "9,gap,3\n");
  CHECK(lines[3] == "9,tick,ETH,200,9\n");

  // Losses that no later input follows (the queue still full at stop) are marked last.
  SessionRecorder end(rs, "", coin_names, 0, /*capacity=*/2);
  tradingd::test::write_file(end.base_db_path(), "");
  std::promise<std::string> end_base;
  end.start(end_base.get_future());
  for (int i = 0; i < 4; ++i) {
    auto in = tick(20 + i, 0, 100 + i, 20 + i);
    end.record(in);
  }
  end_base.set_value("");
  end.stop();
  SessionReader end_reader(end.session_dir());
  const auto end_lines = read_all(end_reader);
  REQUIRE(end_lines.size() == 3);
  CHECK(end_lines[2] == "23,gap,2\n");
}

TEST_CASE("recorder: a failed base.db or a disk error stops the recording and says why", "[unit][record]") {
  TempDir tmp("recorder-fail");
  RecordSettings rs;
  rs.dir = tmp / "rec";
  SessionRecorder rec(rs, "", coin_names, 0);
  rec.start(ready("disk I/O error"));
  REQUIRE(tradingd::test::wait_until([&] { return !rec.active(); }));
  CHECK(rec.error().find("base.db: disk I/O error") != std::string::npos);
  auto in = tick(1, 0, 1, 1);
  rec.record(in);  // taken and dropped: never a wait
  rec.stop();
  CHECK(rec.stats().failed);

  // The folder cannot be made: a start-up error naming it.
  tradingd::test::write_file(tmp / "file", "");
  RecordSettings bad;
  bad.dir = tmp / "file" / "rec";
  CHECK_THROWS_WITH(SessionRecorder(bad, "", coin_names, 0), Catch::Contains("cannot create"));
}

TEST_CASE("recorder: sessions older than keep_hours are deleted while the others and foreign folders are kept",
          "[unit][record]") {
  TempDir tmp("recorder-keep");
  RecordSettings rs;
  rs.dir = tmp / "rec";
  rs.keep_hours = 1;
  const auto old_session = rs.dir / "20260101T000000Z";
  const auto recent_session = rs.dir / "20260101T000001Z";
  const auto foreign = rs.dir / "notes";
  for (const auto& d : {old_session, recent_session, foreign}) {
    std::filesystem::create_directories(d);
    tradingd::test::write_file(d / "inputs-0001.csv.gz", "x");
  }
  const auto two_hours_ago = std::filesystem::file_time_type::clock::now() - std::chrono::hours(2);
  for (const auto& d : {old_session, foreign}) {
    std::filesystem::last_write_time(d / "inputs-0001.csv.gz", two_hours_ago);
    std::filesystem::last_write_time(d, two_hours_ago);
  }
  {
    SessionRecorder rec(rs, "", coin_names, 1796475469624);
    tradingd::test::write_file(rec.base_db_path(), "");
    rec.start(ready());
    rec.stop();
  }
  CHECK_FALSE(std::filesystem::exists(old_session));
  CHECK(std::filesystem::exists(recent_session));
  CHECK(std::filesystem::exists(foreign));
}

TEST_CASE("session reader: only the last chunk may end in a cut member which is dropped", "[unit][record]") {
  TempDir tmp("reader-cut");
  const auto dir = tmp / "s";
  session_files(dir);
  const std::string head = std::string(SessionFormat::magic) + "\n";
  const std::string first = head + "1,tick,BTC,100,1\n2,sweep\n";
  const std::string cut_member = tradingd::test::gzip_text("3,tick,ETH,200,3\n4,tick,ETH,201,4\n");
  append_bytes(dir / "inputs-0001.csv.gz", tradingd::test::gzip_text(first));
  append_bytes(dir / "inputs-0002.csv.gz", tradingd::test::gzip_text(head + "5,halt\n"));
  append_bytes(dir / "inputs-0002.csv.gz", cut_member.substr(0, cut_member.size() / 2));
  {
    SessionReader reader(dir);
    CHECK(read_all(reader) == std::vector<std::string>{"1,tick,BTC,100,1\n", "2,sweep\n", "5,halt\n"});
    CHECK(reader.cut().find("inputs-0002.csv.gz: the last gzip member is cut short") != std::string::npos);
  }
  // The same cut in a chunk that is not the last: damage, an error naming the file.
  append_bytes(dir / "inputs-0003.csv.gz", tradingd::test::gzip_text(head + "6,resume\n"));
  {
    SessionReader reader(dir);
    CHECK_THROWS_WITH(read_all(reader), Catch::Contains("inputs-0002.csv.gz: truncated gzip member"));
  }
  // A malformed line: file and line named.
  const auto bad = tmp / "bad";
  session_files(bad);
  append_bytes(bad / "inputs-0001.csv.gz", tradingd::test::gzip_text(head + "1,tick,BTC,100,1\n2,tick,BTC,oops,2\n"));
  SessionReader reader(bad);
  CHECK_THROWS_WITH(read_all(reader), Catch::Contains("inputs-0001.csv.gz:3: a tick's price is not a number"));
  // Not a recording at all.
  const auto other = tmp / "other";
  session_files(other);
  append_bytes(other / "inputs-0001.csv.gz", tradingd::test::gzip_text("ts_ms,coin,price\n"));
  SessionReader not_ours(other);
  CHECK_THROWS_WITH(read_all(not_ours), Catch::Contains("not a tradingd recording chunk"));
  CHECK_THROWS_WITH(SessionReader(tmp / "nowhere"), Catch::Contains("not a folder"));
}

TEST_CASE("latched clock: held still for an input and the wrapped clock otherwise", "[unit][record]") {
  ManualClock base(100);
  LatchedClock clock(base);
  CHECK(clock.now_ms() == 100);
  CHECK(clock.latch() == 100);
  base.set(150);
  CHECK(clock.now_ms() == 100);  // every read while applying the input
  CHECK(clock.latch() == 100);   // nested: the outer input's value
  clock.release();
  CHECK(clock.now_ms() == 100);
  clock.release();
  CHECK(clock.now_ms() == 150);
  // A feed frame's value, read once for all its trades; an input inside keeps it.
  CHECK(clock.latch_at(140) == 140);
  CHECK(clock.now_ms() == 140);
  CHECK(clock.latch() == 140);
  CHECK(clock.latch_at(145) == 140);
  clock.release();
  clock.release();
  clock.release();
  CHECK(clock.now_ms() == 150);
}

TEST_CASE("config: the record section is read and checked and a what-if lists the trading settings that differ",
          "[unit][record][config]") {
  const auto s =
      ConfigLoader::load_string("[record]\ndir = \"rec\"\nrotate_minutes = 5\nkeep_hours = 48\n", "a.toml", "/base");
  CHECK(s.record.dir == "/base/rec");
  CHECK(s.record.rotate_minutes == 5);
  CHECK(s.record.keep_hours == 48);
  CHECK(s.to_toml().find("[record]\ndir = \"/base/rec\"") != std::string::npos);
  CHECK(config_error([] {
          (void)ConfigLoader::load_string("[record]\nkeep_hour = 1\n", "a.toml", "/");
        }).find("keep_hour") != std::string::npos);
  CHECK(config_error([] {
          (void)ConfigLoader::load_string("[record]\nrotate_minutes = 0\n", "a.toml", "/");
        }).find("rotate_minutes") != std::string::npos);

  const auto other = ConfigLoader::load_string(
      "[paper]\nslippage_bps = 5.0\n[storage]\ndb_path = \"x.db\"\n[shutdown]\npositions = \"close\"\n", "b.toml", "/");
  const auto diff = s.trading_differences(other);
  // Process settings ([storage]) are not trading settings.
  CHECK(diff ==
        std::vector<std::string>{"[paper] slippage_bps = 0.0 -> 5.0", "[shutdown] positions = \"keep\" -> \"close\""});
  const auto merged = s.with_trading_of(other);
  CHECK(merged.paper.slippage_bps == 5.0);
  CHECK(merged.storage.db_path == s.storage.db_path);
  CHECK(s.trading_differences(s).empty());
}
