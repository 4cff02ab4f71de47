#include "tradingd/app/trading_system.hpp"

#include "tradingd/domain/text_guard.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tradingd/api/control_api.hpp"
#include "tradingd/app/systemd_notifier.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/json_text.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/domain/time_format.hpp"
#include "tradingd/feed/replay_time_shift.hpp"
#include "tradingd/journal/journal_id_history.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/record/session_format.hpp"
#include "tradingd/record/session_reader.hpp"

namespace tradingd {
namespace {

// Replay sweeps expiry on tick time once per tick-time second, so the result
// does not depend on how fast the machine replays.
constexpr std::int64_t sweep_period_ms = 1000;
constexpr std::size_t replay_chunk = 8192;

}  // namespace

TradingSystem::TradingSystem(boost::asio::io_context& io, const Settings& settings, const Clock& clock, Mode mode)
    : io_(io),
      settings_(settings),
      clock_(clock),
      mode_(mode),
      coins_(settings.trading.coins),
      symbols_(coins_, settings.trading.quote),
      signals_(io),
      replay_timer_(io),
      pump_timer_(io) {
  journal_ = std::make_unique<TradeJournal>(settings_.storage.db_path);
  // Ids ever armed are looked up in the journal, not held in memory: memory
  // stays flat however many conditions a long-lived journal has seen.
  ids_ = std::make_unique<JournalIdHistory>(settings_.storage.db_path, *journal_);
  sniper_ = std::make_unique<Sniper>(coins_, settings_.risk, settings_.paper, clock_, *journal_, ids_.get());
  health_ = std::make_unique<HealthMonitor>(io_, settings_.health, *sniper_, *journal_, clock_);
  health_->set_sweeper([this] { sweep(); });
  recover();
  // Writer thread -> io thread: each commit's events, for GET /events (from
  // start_service() on). The only crossing besides the journal's queue; by
  // value, one way.
  journal_->set_event_listener([this](std::vector<JournalEvent>&& events, std::int64_t last_seq) {
    boost::asio::post(io_, [this, events = std::move(events), last_seq]() mutable {
      if (api_) api_->publish_events(std::move(events), last_seq);
    });
  });
  journal_->start();
}

TradingSystem::~TradingSystem() {
  // A system destroyed without shutdown() (an exception at start-up) still
  // writes what it journaled; it applies no shutdown policy.
  if (!shut_down_ && journal_) journal_->stop();
}

void TradingSystem::recover() {
  // A journal this start created holds no rows: there is nothing to check or
  // load (each replay of a sweep starts on a new one, and reading it cost a
  // second connection and its schema).
  RecoveredState state;
  if (!journal_->created_new()) {
    const JournalReader reader(settings_.storage.db_path);
    // Trading on a damaged or inconsistent journal would compound the damage:
    // refuse, and say what is wrong (design.md §5).
    if (const auto problems = reader.integrity_problems(); !problems.empty()) {
      std::string msg = settings_.storage.db_path.string() + ": the journal is inconsistent; refusing to trade on it:";
      for (const auto& p : problems) msg += "\n  " + p;
      msg += "\n  Restore a backup (such as " + settings_.storage.db_path.filename().string() +
             ".bak-v<N>) or move the file away to start a new journal.";
      throw std::runtime_error(msg);
    }
    state = reader.load_state();
  }
  const auto now = clock_.now_ms();

  // What the journal holds passes the rules of what it would accept now: a
  // hand-edited row (a negative trigger, an escape in an OCO group) is a
  // start-up error naming table, id and field, never armed or traded on.
  std::vector<std::string> bad_rows;
  const auto refuse = [&](const char* table, const std::string& id, const FieldError& e) {
    bad_rows.push_back(
        fmt::format("table {}, id '{}': {}: {}", table, TextGuard::printable(id, 80), e.field, e.message));
  };
  if (state.balance && !std::isfinite(*state.balance))
    bad_rows.push_back("table balance: the last balance is not a finite number");
  std::vector<Position> positions;
  for (const auto& row : state.open_trades) {
    if (auto p = row.to_position(coins_)) {
      if (const auto e = p->validate())
        refuse("trades", row.id, *e);
      else
        positions.push_back(*p);
    } else {
      spdlog::error("Open trade {} on {} cannot be managed: coin not in [trading] coins; it stays OPEN in the journal",
                    TextGuard::printable(row.id, 80), TextGuard::printable(row.coin, 16));
    }
  }
  for (const auto& c : state.active_conditions)
    if (coins_.find(c.coin))
      if (const auto e = c.validate(coins_)) refuse("conditions", c.id, *e);
  if (!bad_rows.empty()) {
    std::string msg = settings_.storage.db_path.string() + ": rows that break the rules; refusing to trade on them:";
    for (const auto& b : bad_rows) msg += "\n  " + b;
    msg +=
        "\n  Correct or remove these rows (the journal is a SQLite database), or move the file away to start "
        "a new journal.";
    throw std::runtime_error(msg);
  }

  if (state.balance) {
    recovery_.balance = *state.balance;
    recovery_.balance_from_journal = true;
  } else {
    recovery_.balance = settings_.paper.initial_balance;
    if (mode_ == Mode::Live) journal_->submit(BalanceSet{recovery_.balance, "INITIAL", now});
  }
  sniper_->restore_balance(recovery_.balance);

  for (const auto& p : positions) {
    sniper_->restore_position(p);
    ++recovery_.positions;
  }
  for (const auto& [coin, exit_ms] : state.last_losing_stops)
    if (const auto id = coins_.find(coin)) sniper_->restore_losing_stop(*id, exit_ms);
  for (const auto& c : state.active_conditions) {
    // A session replay's base.db already has what expired while stopped.
    if (mode_ == Mode::Live && now > c.valid_until_ms) {
      journal_->submit(ConditionFinished{c.id, ConditionStatus::Expired, "expired while stopped", now, c.strategy_id});
      ++recovery_.expired_while_down;
    } else if (!coins_.find(c.coin)) {
      spdlog::error("Armed condition {} on {} cannot be managed: coin not in [trading] coins; it stays ACTIVE",
                    TextGuard::printable(c.id, 80), TextGuard::printable(c.coin, 16));
    } else {
      sniper_->restore_condition(c);
      ++recovery_.conditions;
    }
  }
  if (mode_ == Mode::SessionReplay) return;
  journal_->submit(AuditEvent{EventKind::Startup, "",
                              json_text(nlohmann::json{{"version", TRADINGD_VERSION},
                                                       {"balance", recovery_.balance},
                                                       {"open_positions", recovery_.positions},
                                                       {"active_conditions", recovery_.conditions}}),
                              now});
  spdlog::info("Journal {}: balance {:.2f} ({}), {} open positions, {} armed conditions{}",
               settings_.storage.db_path.string(), recovery_.balance,
               recovery_.balance_from_journal ? "recovered" : "initial", recovery_.positions, recovery_.conditions,
               recovery_.expired_while_down ? fmt::format(", {} expired while stopped", recovery_.expired_while_down)
                                            : std::string());
}

ArmOutcome TradingSystem::arm_conditions(const ParsedConditions& parsed, std::string_view origin) {
  // The journal keeps every refusal; the log shows the first few of a batch and
  // a count, so a file of 100,000 bad conditions cannot overrun the log queue.
  constexpr std::size_t logged_per_batch = 20;
  ArmOutcome out;
  InputScope input(*this);
  const auto now = clock_.now_ms();
  const auto refuse = [&](const std::string& subject, std::string message) {
    if (input.recording())
      input.record(SessionInput::Kind::Refuse,
                   SessionFormat::fields_text({{"subject", subject}, {"message", message}, {"origin", origin}}));
    journal_refusal(subject, message, origin, now);
    if (out.refused.size() < logged_per_batch) spdlog::warn("{}", message);
    out.refused.push_back(std::move(message));
  };
  for (const auto& msg : parsed.refused) refuse("", msg);
  for (const auto& c : parsed.accepted) {
    const bool known = sniper_->is_known_id(c.id);
    if (known && ids_) {
      // A retry (a strategist whose first request timed out) asks for what is
      // already armed under this id: it is answered, not refused nor armed twice.
      if (auto prior = ids_->recall(c.id); prior && prior->condition.same_terms(c)) {
        const bool active = sniper_->is_active(c.id);
        out.existing.push_back({std::move(prior->condition), active                      ? "ACTIVE"
                                                             : prior->status == "ACTIVE" ? ""
                                                                                         : std::move(prior->status)});
        continue;
      }
    }
    // The first few of a batch are logged one by one, the rest counted (a file
    // of 100,000 conditions is one line more, not 100,000).
    if (auto err = inject_condition(c, out.armed.size() < logged_per_batch)) {
      out.duplicate = out.duplicate || known;
      refuse(c.id, fmt::format("{}: condition \"{}\" refused: {}: {}", origin, c.id, err->field, err->message));
    } else {
      if (input.recording()) input.record(SessionInput::Kind::Arm, SessionFormat::arm_text(c, origin));
      out.armed.push_back(c.id);
      if (ids_) ids_->remember(c);
    }
  }
  if (out.armed.size() > logged_per_batch)
    spdlog::info("{}: {} more conditions armed; every one is in the journal's conditions table", origin,
                 out.armed.size() - logged_per_batch);
  if (out.refused.size() > logged_per_batch)
    spdlog::warn("{}: {} more conditions refused; every refusal is in the journal's events table (CONDITION_REFUSED)",
                 origin, out.refused.size() - logged_per_batch);
  return out;
}

void TradingSystem::journal_refusal(const std::string& subject, const std::string& message, std::string_view origin,
                                    std::int64_t now) {
  journal_->submit(AuditEvent{EventKind::ConditionRefused, subject,
                              nlohmann::json{{"message", message}, {"origin", origin}}.dump(
                                  -1, ' ', false, nlohmann::json::error_handler_t::replace),
                              now});
}

std::optional<FieldError> TradingSystem::inject_condition(const TradeCondition& condition, bool log) {
  if (!accepting_) return FieldError{"(condition)", "tradingd is shutting down"};
  auto err = sniper_->arm(condition);
  if (!err && log)
    spdlog::info("Armed {}: {} {} {} {} ${} valid until {}", condition.id, condition.coin,
                 to_string(condition.trigger_type), condition.trigger_price, to_string(condition.direction),
                 condition.position_size_usd, TimeFormat::to_iso8601(condition.valid_until_ms));
  return err;
}

bool TradingSystem::inject_price(std::string_view coin, double price, std::int64_t ts_ms) {
  const auto id = coins_.find(coin);
  if (!id) return false;
  on_price_tick(*id, price, ts_ms);
  return true;
}

void TradingSystem::on_frame_begin(std::int64_t received_ms) noexcept {
  // While recording, a frame's trades are applied at the one clock value the
  // feed read for the frame: each records that value without a read of its own.
  if (recorder_ && !shut_down_ && !frame_latched_) {
    clock_.latch_at(received_ms);
    frame_latched_ = true;
  }
}

void TradingSystem::on_frame_end() noexcept {
  if (frame_latched_) {
    clock_.release();
    frame_latched_ = false;
  }
}

void TradingSystem::on_price_tick(CoinId coin, double price, std::int64_t ts_ms) noexcept {
  try {
    if (recorder_ && !shut_down_) {
      // Recorded with the clock value the Sniper reads while it decides (a fill's
      // quote age): the frame's, held by on_frame_begin(), or read now.
      SessionInput in;
      in.kind = SessionInput::Kind::Tick;
      in.coin = coin;
      in.now_ms = clock_.latch();
      in.a = price;
      in.has_a = true;
      in.ts_ms = ts_ms;
      recorder_->record(in);
      struct Release {
        LatchedClock& c;
        ~Release() { c.release(); }
      } release{clock_};
      sniper_->on_price_tick(coin, price, ts_ms);
      return;
    }
    sniper_->on_price_tick(coin, price, ts_ms);
  } catch (const std::exception& e) {
    try {
      spdlog::error("Sniper failed on tick (coin {}, price {}, ts {}): {}", coin, price, ts_ms, e.what());
    } catch (...) {
    }
  }
}

void TradingSystem::on_quote(CoinId coin, const Quote& quote) noexcept {
  if (recorder_ && !shut_down_) {
    SessionInput in;
    in.kind = SessionInput::Kind::Quote;
    in.coin = coin;
    in.now_ms = clock_.now_ms();  // a quote reads no clock; its stamp is its own
    in.a = quote.bid;
    in.has_a = quote.has_bid;
    in.b = quote.ask;
    in.has_b = quote.has_ask;
    in.ts_ms = quote.ts_ms;
    recorder_->record(in);
  }
  sniper_->on_quote(coin, quote);  // plain stores: nothing here can throw
}

bool TradingSystem::cancel_condition(std::string_view id, std::string_view reason) {
  InputScope input(*this);
  if (!sniper_->cancel(id, reason)) return false;  // changed nothing: not an input
  input.record(SessionInput::Kind::Cancel, SessionFormat::fields_text({{"id", id}, {"reason", reason}}));
  return true;
}

bool TradingSystem::close_position(std::string_view id) {
  InputScope input(*this);
  if (!sniper_->close_position(id, ExitReason::Manual)) return false;
  input.record(SessionInput::Kind::Close, SessionFormat::fields_text({{"id", id}}));
  return true;
}

std::pair<std::size_t, std::size_t> TradingSystem::flatten() {
  InputScope input(*this);
  // Recorded even when nothing is open: a what-if may have positions here.
  input.record(SessionInput::Kind::Flatten);
  const std::size_t before = sniper_->open_position_count();
  const std::size_t left = sniper_->close_all(ExitReason::Manual);
  return {before - left, left};
}

void TradingSystem::sweep() {
  InputScope input(*this);
  input.record(SessionInput::Kind::Sweep);
  sniper_->sweep(clock_.now_ms());
}

void TradingSystem::install_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  if (stall_hook_.count() > 0) signals_.add(SIGUSR2);
  wait_for_signal();
}

void TradingSystem::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;  // cancelled by shutdown()
    if (signo == SIGUSR2) {
      // The test hook: the io thread does nothing else meanwhile (no tick, no
      // request, no WATCHDOG=1), as if it hung.
      spdlog::warn("Test hook: the io thread stalls for {} ms (TRADINGD_TEST_STALL_MS)", stall_hook_.count());
      std::this_thread::sleep_for(stall_hook_);
      spdlog::warn("Test hook: the io thread runs again");
      return wait_for_signal();
    }
    shutdown(signo == SIGINT ? "SIGINT" : "SIGTERM");
  });
}

void TradingSystem::notify_systemd(SystemdNotifier& notifier) {
  notifier_ = &notifier;
  health_->set_line_listener([&notifier](const std::string& line) { notifier.status(line); });
}

void TradingSystem::start_service() {
  journal_->prefault_queue();  // before any feed: no tick waits for it
  feeds_ = std::make_unique<FeedSupervisor>(io_, settings_, symbols_, clock_, static_cast<FeedListener&>(*this));
  start_api();
  install_signals();
  health_->set_feed(FeedState::Disconnected, "");
  sniper_->set_trading_enabled(false);  // until a feed is live
  health_->start();
  spdlog::info("tradingd {} running for {} coins; trading starts once a feed is live", TRADINGD_VERSION,
               symbols_.size());
  api_->start();
  feeds_->start();
  if (notifier_) notifier_->ready("Started: trading starts once a feed is live");
}

void TradingSystem::start_api() {
  // The token is read once, here, and only compared afterwards: never logged.
  const char* token = std::getenv(settings_.api.token_env.c_str());
  // Events committed from here on reach the event stream; the earlier ones
  // are on disk up to the seq it starts from.
  journal_->enable_event_listener();
  api_ = std::make_unique<ControlApi>(io_, settings_.api, *this, token ? token : "");
}

void TradingSystem::set_halted(bool halted) {
  if (sniper_->entries_halted() == halted) return;
  InputScope input(*this);
  input.record(halted ? SessionInput::Kind::Halt : SessionInput::Kind::Resume);
  sniper_->set_entries_halted(halted);
  if (halted)
    spdlog::warn("HALTED by the operator: no new entries until resumed; exits go on");
  else
    spdlog::info("Resumed by the operator: entries fire again");
  journal_->submit(AuditEvent{halted ? EventKind::Halt : EventKind::Resume, "", "{}", clock_.now_ms()});
}

void TradingSystem::on_feed_state(FeedProtocol exchange, FeedLinkState state) {
  // Journaled (a FEED_STATE event, pushed to strategists) when the driving
  // exchange or its state changes; not the attempts while it reconnects.
  const bool settled =
      state == FeedLinkState::Live || state == FeedLinkState::Stale || state == FeedLinkState::Disconnected;
  const bool journals = settled && !shut_down_ && journaled_feed_ != std::pair(exchange, state);
  InputScope input(*this);
  // Recorded when it journals or pauses or resumes trading: what a replay must do again.
  if (journals || (state == FeedLinkState::Live) != sniper_->trading_enabled())
    input.record(SessionInput::Kind::Feed,
                 SessionFormat::fields_text({{"exchange", to_string(exchange)}, {"state", to_string(state)}}));
  if (journals) {
    journaled_feed_ = std::pair(exchange, state);
    journal_->submit(AuditEvent{EventKind::FeedState, "",
                                nlohmann::json{{"exchange", to_string(exchange)}, {"state", to_string(state)}}.dump(),
                                clock_.now_ms()});
  }
  const bool live = state == FeedLinkState::Live;
  health_->set_feed(live                            ? FeedState::Ok
                    : state == FeedLinkState::Stale ? FeedState::Stale
                                                    : FeedState::Disconnected,
                    to_string(exchange));
  sniper_->set_trading_enabled(live);
}

namespace {

// design.md §10: rows of symbols that are not configured coins are counted, and
// the counts printed at the end.
void report_skipped(const ReplayMerge& source) {
  const auto lines = source.skipped_report();
  if (lines.empty()) return;
  std::string text;
  for (const auto& l : lines) text += (text.empty() ? "" : ", ") + l;
  spdlog::warn("Replay skipped rows of symbols that are not configured [trading] coins: {}", text);
}

}  // namespace

void TradingSystem::start_replay(ReplayMerge source, const ReplayTick& first, ManualClock& clock,
                                 ReplayOptions options) {
  const ReplayPace pace = options.pace;
  const double rate = options.rate;
  const bool lockstep = pace.mode() == ReplayPace::Mode::Lockstep;
  if (options.serve_api) start_api();
  // SIGTERM ends a lockstep run as POST /clock/finish does; any other replay stops where it is.
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this, lockstep](const boost::system::error_code& ec, int signo) {
    if (ec) return;  // cancelled by shutdown()
    const char* why = signo == SIGINT ? "SIGINT" : "SIGTERM";
    if (lockstep && replay_)
      finish_replay(clock_.now_ms(), why);
    else
      shutdown(why);
  });
  health_->set_sweep(false);  // sweeps are tied to rows (design.md §4.1), not to the wall clock
  health_->set_feed(FeedState::Ok, "replay");
  sniper_->set_trading_enabled(true);
  health_->start();
  spdlog::info("Replaying {}{}{}", source.describe(),
               rate > 0                               ? fmt::format(" at {} rows/s", rate)
               : pace.mode() != ReplayPace::Mode::Max ? " with --clock " + pace.name()
                                                      : std::string(),
               lockstep ? "; held at the first row's time until POST /clock/advance" : "");
  if (options.shift_ms != 0) {
    // The one place the real dates are written: what the strategist is not shown.
    const std::int64_t real_first = first.ts_ms - options.shift_ms;
    spdlog::info("Every market time is moved by {} ms: the first row, at {}, is replayed at {}", options.shift_ms,
                 TimeFormat::to_iso8601(real_first), TimeFormat::to_iso8601(first.ts_ms));
    journal_->submit(AuditEvent{EventKind::TimeShift, "",
                                json_text(nlohmann::json{{"shift_ms", options.shift_ms},
                                                         {"first_row_time", TimeFormat::to_iso8601(real_first)},
                                                         {"replayed_at", TimeFormat::to_iso8601(first.ts_ms)}}),
                                first.ts_ms});
  }
  replay_.emplace(std::move(source), first, &clock, options);
  if (api_) api_->start();
  if (notifier_) notifier_->ready("Replaying " + replay_->source.describe());
  if (!lockstep) boost::asio::post(io_, [this] { replay_step(); });
}

TradingSystem::StepEnd TradingSystem::apply_rows(std::int64_t due, std::size_t budget) {
  Replay& r = *replay_;
  for (; budget > 0; --budget) {
    if (!r.has_pending) {
      const ReplayMerge::Read read = r.source.next(r.pending);
      // Later: a megabyte of blank or comment lines; signals and timers go first.
      if (read == ReplayMerge::Read::Later) return StepEnd::Later;
      if (read == ReplayMerge::Read::End) {
        r.exhausted = true;
        return StepEnd::End;
      }
      r.has_pending = true;
      if (r.options.shift_ms != 0) ReplayTimeShift::move(r.pending, r.options.shift_ms);
    }
    const ReplayTick& t = r.pending;
    if (t.ts_ms > due) return StepEnd::Held;
    r.clock->set(t.ts_ms);
    // design.md §4.1: the sweep runs before the first row, trade or quote, of each new tick-time second.
    const std::int64_t second = t.ts_ms / sweep_period_ms;
    if (second != r.last_sweep_second) {
      sniper_->sweep(t.ts_ms);
      r.last_sweep_second = second;
    }
    if (t.has_quote) {
      on_quote(t.coin, t.quote);  // the quote first, then the trade it came with
      ++r.quote_rows;
    }
    if (t.has_price) on_price_tick(t.coin, t.price, t.ts_ms);
    r.last_ts = t.ts_ms;
    ++r.rows;
    r.has_pending = false;
  }
  return StepEnd::Budget;
}

void TradingSystem::replay_step() {
  if (!replay_ || shut_down_) return;
  Replay& r = *replay_;
  const bool lockstep = r.options.pace.mode() == ReplayPace::Mode::Lockstep;
  if (lockstep && !r.advancing) return;
  std::size_t budget = replay_chunk;
  if (r.options.rate > 0) {
    // Catch up to where the rate says we should be by now.
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    const auto due = static_cast<std::size_t>(elapsed * r.options.rate);
    budget = due > r.rows ? due - r.rows : 0;
  }
  const std::int64_t due_ms =
      lockstep ? r.until_ms : r.options.pace.due_until(r.first_ms, std::chrono::steady_clock::now() - r.started);
  StepEnd end = StepEnd::Budget;
  try {
    end = apply_rows(due_ms, budget);
  } catch (const ConfigError& e) {
    // A bad row after trading began: everything before it stays journaled,
    // the run stops with a clean shutdown and main() exits 2 naming the row.
    replay_error_ = e.errors().front();
    spdlog::error("Replay stopped: {} ({} rows replayed before it)", *replay_error_, r.rows);
    report_skipped(r.source);
    shutdown("replay stopped at a bad row");
    return;
  }
  journal_->pump();
  if (lockstep) {
    // Every row up to the advance's time is applied once the next is later or none is left.
    if (end == StepEnd::Held || end == StepEnd::End)
      complete_advance();
    else
      boost::asio::post(io_, [this] { replay_step(); });
    return;
  }
  if (end == StepEnd::End) return finish_replay(r.last_ts, "replay finished");  // and once more after the last row
  if (end == StepEnd::Held) {
    // speed:N: the next row is not due yet; wake when it is.
    const auto wait =
        r.options.pace.wait_for(r.first_ms, r.pending.ts_ms, std::chrono::steady_clock::now() - r.started);
    replay_timer_.expires_after(wait.value_or(std::chrono::nanoseconds::zero()));
  } else if (r.options.rate > 0) {
    replay_timer_.expires_after(std::chrono::milliseconds(10));
  } else {
    boost::asio::post(io_, [this] { replay_step(); });  // lets signals and the health timer in between
    return;
  }
  replay_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) replay_step();
  });
}

void TradingSystem::finish_replay(std::int64_t at_ms, std::string_view why, std::function<void()> flushed) {
  if (shut_down_ || !replay_) return;
  Replay& r = *replay_;
  sniper_->sweep(at_ms);  // the final sweep, at replay time
  const auto& c = sniper_->counters();
  spdlog::info("Replay {}: {} ticks ({} invalid){}{}", r.exhausted ? "finished" : "ended", c.ticks, c.invalid_ticks,
               r.quote_rows ? fmt::format(", {} quotes ({} invalid)", r.quote_rows, c.invalid_quotes) : std::string(),
               r.exhausted ? std::string() : fmt::format(" at {} ({})", TimeFormat::to_iso8601(at_ms), why));
  report_skipped(r.source);
  shutdown(why, std::move(flushed));
}

std::optional<ReplayClockView> TradingSystem::replay_clock() const {
  if (!replay_) return std::nullopt;
  const Replay& r = *replay_;
  ReplayClockView v;
  v.mode = r.options.pace.name();
  v.now_ms = r.clock->now_ms();
  v.first_ms = r.first_ms;
  if (r.exhausted) v.last_ms = r.last_ts;
  v.done = r.exhausted;
  return v;
}

std::optional<ClockRefusal> TradingSystem::advance_clock(std::int64_t until_ms,
                                                         std::function<void(const ClockAdvanced&)> answered) {
  if (!replay_ || replay_->options.pace.mode() != ReplayPace::Mode::Lockstep)
    return ClockRefusal{400, "the clock moves by request only in a --replay with --clock lockstep"};
  Replay& r = *replay_;
  if (shut_down_) return ClockRefusal{409, "the replay has finished"};
  if (r.advancing) return ClockRefusal{409, "an advance is still being applied: send the next after its answer"};
  if (until_ms < r.clock->now_ms())
    return ClockRefusal{400, fmt::format("until_ms {} is before replay time {}: replay time never goes back", until_ms,
                                         r.clock->now_ms())};
  r.advancing = true;
  r.until_ms = until_ms;
  r.answer = std::move(answered);
  replay_step();
  return std::nullopt;
}

void TradingSystem::complete_advance() {
  Replay& r = *replay_;
  const std::int64_t now = r.until_ms;
  r.clock->set(now);
  const bool done = r.exhausted;
  pump_journal_until_drained();
  // Answered on the io thread after the writer committed what the advance
  // caused and handed its events to the io thread (posted before this).
  journal_->commit_now([this, now, done] {
    const std::int64_t seq = journal_->last_event_seq();
    boost::asio::post(io_, [this, now, done, seq] {
      if (!replay_ || !replay_->advancing) return;
      replay_->advancing = false;
      auto answer = std::move(replay_->answer);
      replay_->answer = nullptr;
      if (answer) answer(ClockAdvanced{now, seq, done});
    });
  });
}

std::optional<ClockRefusal> TradingSystem::finish_clock(std::function<void(const ClockAdvanced&)> answered) {
  if (!replay_ || replay_->options.pace.mode() != ReplayPace::Mode::Lockstep)
    return ClockRefusal{400, "POST /clock/finish ends a --replay with --clock lockstep"};
  if (shut_down_) return ClockRefusal{409, "the replay has finished"};
  if (replay_->advancing) return ClockRefusal{409, "an advance is still being applied: finish after its answer"};
  const std::int64_t now = clock_.now_ms();
  // Once the data is done this is the end a replay has in every mode; before, the strategist's.
  const char* why = replay_->exhausted ? "replay finished" : "finished by POST /clock/finish";
  finish_replay(now, why, [this, now, answered = std::move(answered)] {
    answered(ClockAdvanced{now, journal_->last_event_seq(), replay_->exhausted});
  });
  return std::nullopt;
}

void TradingSystem::pump_journal_until_drained() {
  journal_->pump();
  if (!journal_->spilling() || shut_down_) return;
  pump_timer_.expires_after(std::chrono::milliseconds(1));
  pump_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) pump_journal_until_drained();
  });
}

void TradingSystem::shutdown(std::string_view why, std::function<void()> flushed) {
  if (shut_down_) return;
  InputScope input(*this);
  // The policy below is applied again by a replay, with its own settings.
  input.record(SessionInput::Kind::Shutdown, SessionFormat::fields_text({{"reason", why}}));
  shut_down_ = true;
  accepting_ = false;
  spdlog::info("Shutting down ({})", why);
  if (notifier_) notifier_->stopping(fmt::format("Shutting down ({})", why));
  // No request is served while this runs (it holds the io thread); the API
  // stops at the end, after `flushed` had its answer written.
  if (feeds_) feeds_->stop();  // no tick after this point

  std::size_t cancelled = 0, closed = 0, left_open = sniper_->open_position_count();
  if (settings_.shutdown.conditions == ShutdownConditions::Cancel) cancelled = sniper_->cancel_all("shutdown");
  if (settings_.shutdown.positions == ShutdownPositions::Close) {
    const auto before = sniper_->open_position_count();
    left_open = sniper_->close_all(ExitReason::Shutdown);
    closed = before - left_open;
    if (left_open) spdlog::warn("{} positions stay open: no price seen for their coin since start-up", left_open);
  }
  sniper_->persist_best_prices(clock_.now_ms());  // the next start trails from here (design.md §4.2)
  journal_->submit(AuditEvent{EventKind::Shutdown, "",
                              json_text(nlohmann::json{{"reason", why},
                                                       {"conditions_cancelled", cancelled},
                                                       {"conditions_kept", sniper_->active_condition_count()},
                                                       {"positions_closed", closed},
                                                       {"positions_kept", left_open},
                                                       {"balance", sniper_->balance()}}),
                              clock_.now_ms()});
  journal_->stop();  // flushes everything above, then joins the writer
  if (recorder_) {
    recorder_->stop();  // every input above is in the last member
    const RecorderStats rs = recorder_->stats();
    spdlog::info("Recording {}: {} inputs, {} bytes compressed{}{}", recorder_->session_dir().string(), rs.recorded,
                 rs.bytes, rs.lost ? fmt::format("; {} inputs lost in {} gaps", rs.lost, rs.gaps) : std::string(),
                 rs.failed ? "; stopped early: " + recorder_->error() : std::string());
  }
  const JournalStats js = journal_->stats();
  spdlog::info(
      "Shutdown complete: {} conditions cancelled, {} kept; {} positions closed, {} kept open; "
      "balance {:.2f}; journal committed {} records",
      cancelled, sniper_->active_condition_count(), closed, left_open, sniper_->balance(), js.committed);
  health_->stop();
  replay_timer_.cancel();
  pump_timer_.cancel();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  if (flushed) flushed();
  if (api_) api_->stop();  // after the answer above was handed to its connection
}

void TradingSystem::start_recording(std::size_t queue_capacity) {
  recorder_ = std::make_unique<SessionRecorder>(settings_.record, settings_.to_toml(), coins_.names(), clock_.now_ms(),
                                                queue_capacity);
  // The writer copies the journal once everything recovery journaled is
  // committed and before the first input's records: the replay's start.
  recorder_->start(journal_->backup(recorder_->base_db_path()));
  spdlog::info("Recording this session to {}{}", recorder_->session_dir().string(),
               settings_.record.keep_hours
                   ? fmt::format(" (sessions older than {} hours are deleted)", settings_.record.keep_hours)
                   : std::string());
}

namespace {

std::optional<FeedProtocol> parse_protocol(std::string_view s) {
  for (const auto p : {FeedProtocol::Bybit, FeedProtocol::Binance})
    if (to_string(p) == s) return p;
  return std::nullopt;
}

std::optional<FeedLinkState> parse_link_state(std::string_view s) {
  for (const auto st : {FeedLinkState::Stopped, FeedLinkState::Connecting, FeedLinkState::Live, FeedLinkState::Stale,
                        FeedLinkState::Disconnected})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

const std::string& field(const std::map<std::string, std::string>& f, const std::string& key) {
  const auto it = f.find(key);
  if (it == f.end()) throw std::invalid_argument("no \"" + key + "\" field");
  return it->second;
}

}  // namespace

void TradingSystem::start_session_replay(SessionReader& reader, ManualClock& clock) {
  session_ = &reader;
  session_clock_ = &clock;
  // A replay has no feed, API or health timer; a signal stops it without
  // shutdown actions, as nothing was recorded to ask for them.
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) finish_session("interrupted by a signal");
  });
  sniper_->set_trading_enabled(false);  // as the live run began: until its feed was live
  spdlog::info("Replaying the session {} ({} chunks)", reader.dir().string(), reader.chunks().size());
  boost::asio::post(io_, [this] { session_step(); });
}

void TradingSystem::session_step() {
  if (shut_down_) return;
  SessionInput in;
  std::string_view coin;
  try {
    for (std::size_t budget = replay_chunk; budget > 0; --budget) {
      if (!session_->next(in, coin)) {
        session_result_.cut = session_->cut();
        if (!session_result_.cut.empty()) spdlog::warn("{}", session_result_.cut);
        finish_session("the recording ends without a shutdown (the live process was killed)");
        return;
      }
      session_clock_->set(in.now_ms);
      apply(in, coin);
      if (shut_down_) return;  // its recorded shutdown was applied
    }
  } catch (const ConfigError& e) {
    session_result_.error = e.errors().front();
    spdlog::error("Session replay stopped: {} ({} inputs applied before it)", *session_result_.error,
                  session_result_.inputs);
    finish_session("stopped at a malformed input");
    return;
  } catch (const std::invalid_argument& e) {
    session_result_.error = std::string("input ") + std::to_string(session_result_.inputs + 1) + ": " + e.what();
    spdlog::error("Session replay stopped: {}", *session_result_.error);
    finish_session("stopped at a malformed input");
    return;
  }
  journal_->pump();
  boost::asio::post(io_, [this] { session_step(); });
}

void TradingSystem::apply(const SessionInput& in, std::string_view coin) {
  using K = SessionInput::Kind;
  const auto now = in.now_ms;
  ++session_result_.inputs;
  switch (in.kind) {
    case K::Tick:
    case K::Quote: {
      const auto id = coins_.find(coin);
      if (!id) {
        ++session_result_.unknown_coins;  // a what-if without this coin
        return;
      }
      if (in.kind == K::Tick) {
        on_price_tick(*id, in.a, in.ts_ms);
      } else {
        Quote q;
        q.bid = in.a;
        q.has_bid = in.has_a;
        q.ask = in.b;
        q.has_ask = in.has_b;
        q.ts_ms = in.ts_ms;
        on_quote(*id, q);
      }
      return;
    }
    case K::Arm: {
      std::string origin;
      const TradeCondition c = SessionFormat::parse_arm(in.text, origin);
      if (auto err = inject_condition(c)) {
        // A what-if can refuse what live armed (its limits differ): journaled as live would.
        journal_refusal(c.id,
                        fmt::format("{}: condition \"{}\" refused: {}: {}", origin, c.id, err->field, err->message),
                        origin, now);
      } else if (ids_) {
        ids_->remember(c);
      }
      return;
    }
    case K::Refuse: {
      const auto f = SessionFormat::parse_fields(in.text);
      journal_refusal(field(f, "subject"), field(f, "message"), field(f, "origin"), now);
      return;
    }
    case K::Cancel: {
      const auto f = SessionFormat::parse_fields(in.text);
      (void)sniper_->cancel(field(f, "id"), field(f, "reason"));
      return;
    }
    case K::Close:
      (void)sniper_->close_position(field(SessionFormat::parse_fields(in.text), "id"), ExitReason::Manual);
      return;
    case K::Halt:
    case K::Resume:
      set_halted(in.kind == K::Halt);
      return;
    case K::Flatten:
      (void)sniper_->close_all(ExitReason::Manual);
      return;
    case K::Sweep:
      sniper_->sweep(now);
      return;
    case K::Feed: {
      const auto f = SessionFormat::parse_fields(in.text);
      const auto exchange = parse_protocol(field(f, "exchange"));
      const auto state = parse_link_state(field(f, "state"));
      if (!exchange || !state) throw std::invalid_argument("a feed input names an unknown exchange or state");
      on_feed_state(*exchange, *state);
      return;
    }
    case K::Shutdown:
      session_result_.shutdown = true;
      shutdown(field(SessionFormat::parse_fields(in.text), "reason"));
      return;
    case K::Gap:
      session_result_.lost += static_cast<std::uint64_t>(in.ts_ms);
      ++session_result_.gaps;
      spdlog::warn("The recording lost {} inputs here (its queue was full): this replay cannot be exact", in.ts_ms);
      return;
  }
}

void TradingSystem::finish_session(std::string_view why) {
  if (shut_down_) return;
  shut_down_ = true;
  accepting_ = false;
  spdlog::info("Session replay ends: {}; no shutdown actions applied", why);
  journal_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

}  // namespace tradingd
