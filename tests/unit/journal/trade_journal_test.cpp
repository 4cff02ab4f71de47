// The journal's round trip: records written by the writer thread, read back by
// a separate connection, and a TradingSystem restarted on the same database
// recovering balance, positions and conditions.

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_process.hpp"
#include "tradingd/app/trading_system.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/domain/spsc_queue.hpp"
#include "tradingd/journal/journal_id_history.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/journal/journal_schema.hpp"
#include "tradingd/journal/trade_journal.hpp"

using namespace tradingd;
using namespace tradingd::test;
using Catch::Matchers::WithinAbs;

namespace {

constexpr std::int64_t t0 = 1'764'158'400'000;

TradeCondition make_condition(const std::string& id, const std::string& coin, double trigger) {
  TradeCondition c;
  c.id = id;
  c.coin = coin;
  c.direction = Direction::Long;
  c.trigger_type = TriggerType::Above;
  c.trigger_price = trigger;
  c.stop_loss_pct = 0.02;
  c.take_profit_pct = 0.015;
  c.position_size_usd = 100;
  c.strategy_id = "s";
  c.reasoning = "why";
  c.created_at_ms = t0;
  c.valid_until_ms = t0 + 3'600'000;
  return c;
}

Settings settings_for(const TempDir& dir) {
  Settings s;
  s.trading.coins = {"BTC", "ETH", "SOL"};
  s.storage.db_path = dir / "journal.db";
  s.log.dir = dir / "logs";
  s.shutdown.conditions = ShutdownConditions::Keep;
  s.shutdown.positions = ShutdownPositions::Keep;
  return s;
}

}  // namespace

TEST_CASE("records written by the writer thread read back as rows", "[unit][journal]") {
  TempDir dir("journal-rows");
  const auto db_path = dir / "j.db";
  {
    TradeJournal journal(db_path);
    journal.start();
    journal.submit(BalanceSet{1000.0, "INITIAL", t0});
    journal.submit(ConditionArmed{make_condition("c1", "BTC", 42000), t0});
    journal.submit(ConditionArmed{make_condition("c2", "ETH", 2000), t0});
    Position p;
    p.id = "T-c1";
    p.condition_id = "c1";
    p.strategy_id = "s";
    p.direction = Direction::Long;
    p.size_usd = 100;
    p.entry_price = 42001;
    p.qty = 100.0 / 42001;
    p.entry_ms = t0 + 5;
    p.stop_loss_price = 42001 * 0.98;
    p.take_profit_price = 42001 * 1.015;
    p.entry_fee_usd = 0.1;
    journal.submit(PositionOpened{p, "BTC", t0 + 5});
    journal.flush().get();
    CHECK(journal.stats().committed == 4);
    CHECK(journal.stats().queue_depth == 0);

    const auto state = JournalReader(db_path).load_state();
    REQUIRE(state.balance);
    CHECK(*state.balance == 1000.0);
    REQUIRE(state.open_trades.size() == 1);
    CHECK(state.open_trades[0].id == "T-c1");
    CHECK(state.open_trades[0].fees_usd == 0.1);
    CHECK_THAT(state.open_trades[0].stop_loss_price.value_or(-1), WithinAbs(42001 * 0.98, 1e-9));
    REQUIRE(state.active_conditions.size() == 1);  // c1 became TRIGGERED with its trade
    CHECK(state.active_conditions[0].id == "c2");
    CHECK(state.active_conditions[0].reasoning == "why");

    PositionClosed closed;
    closed.trade_id = "T-c1";
    closed.coin = "BTC";
    closed.reason = ExitReason::TakeProfit;
    closed.exit_price = 42700;
    closed.exit_ms = t0 + 10;
    closed.fees_usd = 0.2;
    closed.pnl_usd = 1.5;
    closed.balance_after = 1001.5;
    journal.submit(std::move(closed));
    journal.submit(ConditionFinished{"c2", ConditionStatus::Expired, "valid_until passed", t0 + 11, "s"});
    journal.stop();
  }
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == JournalSchema::current_version);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(db.execAndGet("SELECT status || ',' || exit_reason || ',' || pnl_usd FROM trades").getString() ==
        "CLOSED,TAKE_PROFIT,1.5");
  CHECK(db.execAndGet("SELECT group_concat(status || ':' || status_reason, ';') FROM conditions ORDER BY id")
            .getString() == "TRIGGERED:T-c1;EXPIRED:valid_until passed");
  CHECK(db.execAndGet("SELECT group_concat(reason || ':' || balance || ':' || ifnull(trade_id, '-'), ';') FROM "
                      "balance ORDER BY seq")
            .getString() == "INITIAL:1000.0:-;TRADE_CLOSED:1001.5:T-c1");
  CHECK(db.execAndGet("SELECT group_concat(kind, ',') FROM events ORDER BY seq").getString() ==
        "BALANCE_SET,CONDITION_ARMED,CONDITION_ARMED,POSITION_OPENED,POSITION_CLOSED,CONDITION_EXPIRED");
  const auto recent = TradeJournal(db_path).get_recent(1.0, t0 + 60'000);
  REQUIRE(recent.size() == 1);
  CHECK(recent[0].pnl_usd == 1.5);
  CHECK(TradeJournal(db_path).get_recent(1.0, t0 + 2 * 3'600'000).empty());
}

TEST_CASE("a record the journal cannot keep is refused whole, counted, and the rest of its batch is written",
          "[unit][journal][input]") {
  TempDir dir("journal-refused");
  const auto db_path = dir / "j.db";
  {
    TradeJournal journal(db_path);
    journal.start();
    journal.submit(BalanceSet{1000.0, "INITIAL", t0});
    journal.submit(ConditionArmed{make_condition("c1", "BTC", 42000), t0});
    journal.submit(ConditionArmed{make_condition("c1", "BTC", 43000), t0});  // the id again: a constraint
    TradeCondition inf = make_condition("c-inf", "ETH", 2000);
    inf.trigger_price = std::numeric_limits<double>::infinity();
    journal.submit(ConditionArmed{inf, t0});
    Position p;
    p.id = "T-c1";
    p.condition_id = "c1";
    p.direction = Direction::Long;
    p.size_usd = 100;
    p.entry_price = 42001;
    p.qty = 100.0 / 42001;
    p.entry_ms = t0 + 5;
    p.entry_fee_usd = 0.1;
    p.best_price = 42001;
    journal.submit(PositionOpened{p, "BTC", t0 + 5});
    // A close whose P&L is NaN: a NULL pnl_usd and no balance row if written.
    PositionClosed nan_close;
    nan_close.trade_id = "T-c1";
    nan_close.coin = "BTC";
    nan_close.reason = ExitReason::StopLoss;
    nan_close.exit_price = 41000;
    nan_close.exit_ms = t0 + 9;
    nan_close.pnl_usd = std::numeric_limits<double>::quiet_NaN();
    nan_close.balance_after = std::numeric_limits<double>::quiet_NaN();
    journal.submit(PositionClosed{nan_close});
    journal.submit(AuditEvent{EventKind::Halt, "after", "{}", t0 + 10});
    journal.flush().get();
    const JournalStats js = journal.stats();
    CHECK(js.refused_writes == 3);
    CHECK(js.committed == 4);  // the balance, c1, its opening and the audit event
    CHECK(js.healthy);         // nothing to retry: the writer goes on
    journal.stop();
  }
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT group_concat(id || ':' || trigger_price, ',') FROM conditions").getString() ==
        "c1:42000.0");
  // The refused close left nothing behind: the trade is open, the balance untouched, no event.
  CHECK(db.execAndGet("SELECT status || ',' || ifnull(pnl_usd, 'null') FROM trades").getString() == "OPEN,null");
  CHECK(db.execAndGet("SELECT count(*) FROM balance").getInt() == 1);
  CHECK(db.execAndGet("SELECT group_concat(kind, ',') FROM events ORDER BY seq").getString() ==
        "BALANCE_SET,CONDITION_ARMED,POSITION_OPENED,HALT");
  // And a restart accepts it.
  CHECK_NOTHROW(TradeJournal(db_path));
}

TEST_CASE("committed events reach the listener only after their commit, and read back from disk the same",
          "[unit][journal][events]") {
  TempDir dir("journal-events");
  const auto db_path = dir / "j.db";
  std::vector<JournalEvent> heard;
  std::vector<std::string> unreadable;  // events the listener heard before a reader could see them
  {
    TradeJournal journal(db_path);
    CHECK(journal.last_event_seq() == 0);
    journal.set_event_listener([&](std::vector<JournalEvent>&& events, std::int64_t last_seq) {
      if (events.empty() || events.back().seq != last_seq) unreadable.push_back("last_seq " + std::to_string(last_seq));
      // The writer thread: a second connection must already see every row.
      const JournalReader reader(db_path);
      const auto on_disk = reader.events_after(events.front().seq - 1, events.back().seq, 100000);
      if (on_disk.size() != events.size()) unreadable.push_back(events.front().kind);
      for (auto& e : events) heard.push_back(std::move(e));
    });
    journal.start();
    CHECK_THROWS_AS(journal.set_event_listener({}), std::logic_error);
    journal.submit(AuditEvent{EventKind::Startup, "", "{}", t0});  // before enable_event_listener(): on disk only
    journal.flush().get();
    CHECK(journal.last_event_seq() == 1);
    CHECK(heard.empty());
    journal.enable_event_listener();
    journal.submit(BalanceSet{1000.0, "INITIAL", t0});
    auto other = make_condition("c2", "ETH", 2000);
    other.strategy_id = "other \"strategy\"";
    journal.submit(ConditionArmed{make_condition("c1", "BTC", 42000), t0});
    journal.submit(ConditionArmed{other, t0});
    journal.flush().get();
    Position p;
    p.id = "T-c1";
    p.condition_id = "c1";
    p.strategy_id = "s";
    p.entry_price = p.entry_mark = 42001;
    p.size_usd = 100;
    p.qty = 100.0 / 42001;
    journal.submit(PositionOpened{p, "BTC", t0 + 5});
    PositionClosed closed;
    closed.trade_id = "T-c1";
    closed.coin = "BTC";
    closed.exit_price = closed.exit_mark = 41000;
    closed.exit_ms = t0 + 9;
    closed.balance_after = 997.6;
    closed.strategy_id = "s";
    journal.submit(std::move(closed));
    journal.submit(ConditionFinished{"c2", ConditionStatus::Cancelled, "by the API", t0 + 10, other.strategy_id});
    journal.submit(AuditEvent{EventKind::ConditionRefused, "c1", R"({"message":"duplicate"})", t0 + 11});
    journal.submit(BestPriceUpdate{"T-c1", 42100, t0 + 12});  // no event
    journal.stop();
  }
  CHECK(unreadable.empty());
  REQUIRE(heard.size() == 7);
  for (std::size_t i = 0; i < heard.size(); ++i) CHECK(heard[i].seq == static_cast<std::int64_t>(i + 2));
  std::vector<std::string> strategies;
  for (const auto& e : heard) strategies.push_back(e.kind + ":" + e.strategy_id);
  CHECK(strategies == std::vector<std::string>{"BALANCE_SET:", "CONDITION_ARMED:s",
                                               "CONDITION_ARMED:other \"strategy\"", "POSITION_OPENED:s",
                                               "POSITION_CLOSED:s", "CONDITION_CANCELLED:other \"strategy\"",
                                               "CONDITION_REFUSED:"});
  CHECK(nlohmann::json::parse(heard[0].detail_json) == nlohmann::json{{"balance", 1000.0}, {"reason", "INITIAL"}});

  // Read back (a client replaying with ?since=): the same values, field by field,
  // in pages that stop at `upto` and at `limit`.
  const JournalReader reader(db_path);
  std::vector<JournalEvent> read;
  for (std::int64_t after = 1;;) {
    const auto page = reader.events_after(after, 7, 4);
    if (page.empty()) break;
    read.insert(read.end(), page.begin(), page.end());
    after = page.back().seq;
  }
  REQUIRE(read.size() == 6);
  for (std::size_t i = 0; i < read.size(); ++i) {
    INFO("event " << i + 1);
    CHECK(read[i].seq == heard[i].seq);
    CHECK(read[i].ts_ms == heard[i].ts_ms);
    CHECK(read[i].kind == heard[i].kind);
    CHECK(read[i].ref_id == heard[i].ref_id);
    CHECK(read[i].strategy_id == heard[i].strategy_id);
    CHECK(read[i].detail_json == heard[i].detail_json);
  }
  CHECK(reader.events_after(7, 8, 10).at(0).strategy_id.empty());  // a refusal belongs to no strategy
  CHECK(reader.events_after(0, 1, 10).at(0).kind == "STARTUP");
  CHECK(TradeJournal(db_path).last_event_seq() == 8);

  // A hand-edited detail is answered as a JSON object, never passed on raw.
  {
    SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE events SET detail = '{\"cut\": ' WHERE seq = 1");
    db.exec("UPDATE events SET detail = '[1]' WHERE seq = 2");
  }
  CHECK(nlohmann::json::parse(JournalReader(db_path).events_after(0, 1, 1).at(0).detail_json) ==
        nlohmann::json{{"unreadable_detail", "{\"cut\": "}});
  CHECK(JournalReader(db_path).events_after(1, 2, 1).at(0).detail_json == R"({"unreadable_detail":"[1]"})");
}

TEST_CASE("a full queue spills in order, reports congestion, and loses nothing", "[unit][journal]") {
  TempDir dir("journal-spill");
  TradeJournal journal(dir / "j.db", 2048);  // small queue; writer not started yet
  for (int i = 0; i < 5000; ++i) journal.submit(AuditEvent{EventKind::Halt, std::to_string(i), "{}", t0 + i});
  CHECK(journal.congested());
  CHECK(journal.stats().overflowed == 5000 - 2048);
  CHECK(journal.stats().queue_depth == 5000);
  journal.start();
  journal.flush().get();
  CHECK_FALSE(journal.congested());
  CHECK(journal.stats().committed == 5000);
  journal.stop();
  SQLite::Database db((dir / "j.db").string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM events").getInt() == 5000);
  // order preserved across the spill: ref_id follows seq
  CHECK(db.execAndGet("SELECT count(*) FROM events WHERE CAST(ref_id AS INTEGER) != seq - 1").getInt() == 0);
}

TEST_CASE("commit_now commits at once and calls back after the commit's events, even behind a spill",
          "[unit][journal][events]") {
  TempDir dir("journal-commit-now");
  TradeJournal journal(dir / "j.db", 2048);
  std::mutex m;
  std::vector<std::string> order;  // what the writer thread did, in order
  journal.set_event_listener([&](std::vector<JournalEvent>&& events, std::int64_t last_seq) {
    const std::lock_guard lock(m);
    order.push_back("events up to " + std::to_string(last_seq) + " (" + std::to_string(events.size()) + ")");
  });
  journal.start();
  journal.enable_event_listener();
  const auto wait_for = [&](std::future<std::uint64_t>& f) {
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return f.get();
  };

  journal.submit(AuditEvent{EventKind::Halt, "a", "{}", t0});
  std::promise<std::uint64_t> first;
  auto first_done = first.get_future();
  journal.commit_now([&] {
    const std::lock_guard lock(m);
    order.push_back("then");
    first.set_value(journal.committed_records());
  });
  CHECK(wait_for(first_done) == 1);  // on disk when it is called
  {
    const std::lock_guard lock(m);
    CHECK(order == std::vector<std::string>{"events up to 1 (1)", "then"});
  }

  // 3,000 records into a ring of 2,048: the request waits in the spill list,
  // behind them, and is answered only after all of them are committed.
  for (int i = 0; i < 3000; ++i) journal.submit(AuditEvent{EventKind::Halt, std::to_string(i), "{}", t0 + i});
  std::promise<std::uint64_t> second;
  auto second_done = second.get_future();
  journal.commit_now([&] { second.set_value(journal.committed_records()); });
  while (journal.spilling()) {
    journal.pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(wait_for(second_done) == 3001);
  CHECK(journal.last_event_seq() == 3001);
  journal.stop();

  // After stop there is no writer: called at once.
  bool called = false;
  journal.commit_now([&] { called = true; });
  CHECK(called);
}

TEST_CASE("a journal from a newer tradingd is refused with a clear message", "[unit][journal]") {
  TempDir dir("journal-newer");
  {
    SQLite::Database db((dir / "j.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 99");
  }
  CHECK_THROWS_WITH(TradeJournal(dir / "j.db"), Catch::Contains("newer than this tradingd understands"));
}

TEST_CASE("a restarted TradingSystem recovers balance, positions and conditions", "[unit][journal]") {
  TempDir dir("journal-recover");
  const Settings settings = settings_for(dir);
  double balance_after_first = 0;
  {
    boost::asio::io_context io;
    ManualClock clock(t0);
    TradingSystem sys(io, settings, clock);
    CHECK_FALSE(sys.recovery().balance_from_journal);
    auto c1 = make_condition("won", "BTC", 100);
    c1.position_size_usd = 50;
    REQUIRE_FALSE(sys.inject_condition(c1).has_value());
    REQUIRE_FALSE(sys.inject_condition(make_condition("held", "ETH", 10)).has_value());
    auto armed = make_condition("armed", "SOL", 500);
    REQUIRE_FALSE(sys.inject_condition(armed).has_value());
    auto stale = make_condition("stale", "SOL", 900);
    stale.valid_until_ms = t0 + 1000;
    REQUIRE_FALSE(sys.inject_condition(stale).has_value());
    sys.inject_price("BTC", 100, t0 + 1);
    sys.inject_price("BTC", 102, t0 + 2);  // take profit
    sys.inject_price("ETH", 10, t0 + 3);   // opens, stays open
    balance_after_first = sys.sniper().balance();
    REQUIRE(balance_after_first > 1000.0);
    sys.shutdown("test");  // conditions keep, positions keep
  }
  {
    boost::asio::io_context io;
    ManualClock clock(t0 + 60'000);  // "stale" is past its valid_until by now
    TradingSystem sys(io, settings, clock);
    CHECK(sys.recovery().balance_from_journal);
    CHECK(sys.recovery().balance == balance_after_first);
    CHECK(sys.sniper().balance() == balance_after_first);
    CHECK(sys.recovery().positions == 1);
    CHECK(sys.recovery().conditions == 1);
    CHECK(sys.recovery().expired_while_down == 1);
    const auto open = sys.sniper().open_positions();
    REQUIRE(open.size() == 1);
    CHECK(open[0].id == std::string_view("T-held"));
    CHECK_THAT(open[0].stop_loss_price.value_or(-1), WithinAbs(9.8, 1e-12));
    // ids are never reused, even for consumed conditions
    CHECK(sys.inject_condition(make_condition("won", "BTC", 1))->field == "id");
    // the recovered position still trades: its stop acts on the next price
    sys.inject_price("ETH", 9.7, t0 + 60'001);
    CHECK(sys.sniper().open_position_count() == 0);
    sys.shutdown("test");
  }
  SQLite::Database db(settings.storage.db_path.string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT status FROM conditions WHERE id = 'stale'").getString() == "EXPIRED");
  CHECK(db.execAndGet("SELECT status FROM conditions WHERE id = 'armed'").getString() == "ACTIVE");
  CHECK(db.execAndGet("SELECT exit_reason FROM trades WHERE id = 'T-held'").getString() == "STOP_LOSS");
}

TEST_CASE("the ids history answers from memory, then from the journal, and an id it found absent is known once added",
          "[unit][journal]") {
  TempDir dir("journal-ids");
  const auto db_path = dir / "j.db";
  {
    TradeJournal journal(db_path);
    CHECK(journal.created_new());
    JournalIdHistory ids(db_path, journal);
    journal.start();
    CHECK_FALSE(ids.contains("c1"));
    CHECK_FALSE(ids.contains("c1"));  // asked again, as arming does: the same answer
    CHECK_FALSE(ids.contains("c2"));
    CHECK_FALSE(ids.contains("c1"));
    ids.add("c1");
    CHECK(ids.contains("c1"));  // submitted, not yet committed: from memory
    journal.submit(ConditionArmed{make_condition("c1", "BTC", 42000), t0});
    journal.flush().get();
    CHECK(ids.pending() == 0);
    CHECK(ids.contains("c1"));  // committed: from the journal
    CHECK_FALSE(ids.contains("c2"));
    ids.add("c2");  // the id last found absent
    CHECK(ids.contains("c2"));
    journal.stop();
  }
  TradeJournal reopened(db_path);
  CHECK_FALSE(reopened.created_new());  // start-up reads and checks it (TradingSystem::recover)
  JournalIdHistory ids(db_path, reopened);
  CHECK(ids.contains("c1"));
  CHECK_FALSE(ids.contains("c3"));
}

TEST_CASE("SpscQueue: holds_at_least renews its look at the consumer, so a drained ring stops answering yes",
          "[unit][journal]") {
  SpscQueue<int> q(64);
  int v = 0, out = 0;
  for (int i = 0; i < 20; ++i) REQUIRE(q.try_push(v));
  CHECK(q.holds_at_least(16));
  CHECK_FALSE(q.holds_at_least(21));
  while (q.try_pop(out)) {
  }
  // 20 pushed and all taken: the producer's stale look (head 0) would still say 20.
  CHECK_FALSE(q.holds_at_least(16));
  for (int i = 0; i < 15; ++i) REQUIRE(q.try_push(v));
  CHECK_FALSE(q.holds_at_least(16));
  REQUIRE(q.try_push(v));
  CHECK(q.holds_at_least(16));
}
