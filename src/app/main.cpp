// tradingd: parse the command line, load the config, build the TradingSystem
// and run the io_context on this thread (the io thread) until shutdown.
// Start-up failures (command line, config, conditions, replay file, journal)
// exit with code 2 and a message naming what is wrong.

#include <spdlog/spdlog.h>

#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string_view>

#include "tradingd/app/command_line.hpp"
#include "tradingd/app/journal_cli.hpp"
#include "tradingd/app/logging.hpp"
#include "tradingd/app/systemd_notifier.hpp"
#include "tradingd/app/trading_system.hpp"
#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/config_loader.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/domain/system_clock.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/feed/replay_merge.hpp"
#include "tradingd/feed/replay_paths.hpp"
#include "tradingd/journal/journal_schema.hpp"
#include "tradingd/record/session_reader.hpp"

#include <cstdlib>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_startup_error = 2;

// --replay-session DIR --db FILE [--config OTHER] (design.md §11).
int replay_session(const tradingd::CommandLine& cl) {
  using namespace tradingd;
  SessionReader reader(*cl.replay_session);
  // The recorded settings decide, unless a what-if brings other trading settings.
  const Settings recorded = ConfigLoader::load_file(reader.config_path(), ConfigLoader::Files::Ignore);
  Settings settings = recorded;
  std::vector<std::string> differences;
  if (!cl.config.empty()) {
    const Settings other = ConfigLoader::load_file(cl.config, ConfigLoader::Files::Ignore);
    differences = recorded.trading_differences(other);
    settings = recorded.with_trading_of(other);
  }
  // Process settings are not the replay's: it writes FILE, records nothing and logs to the terminal.
  settings.storage.db_path = std::filesystem::absolute(*cl.db);
  settings.record.dir.clear();
  std::error_code ec;
  if (std::filesystem::exists(settings.storage.db_path, ec) || ec)
    throw ConfigError({cl.db->string() + ": already exists; --db names the new journal the replay writes"});
  Logging::setup_console(settings.log.level);
  if (!cl.config.empty()) {
    if (differences.empty()) {
      std::cout << "What-if with " << cl.config.string()
                << ": its trading settings equal the recording's, so this replay is exact\n";
    } else {
      std::cout << "What-if with " << cl.config.string() << ": " << differences.size()
                << (differences.size() == 1 ? " trading setting differs" : " trading settings differ")
                << " from the recording (recorded -> now):\n";
      for (const auto& d : differences) std::cout << "  " << d << "\n";
    }
    std::cout.flush();
  }
  std::filesystem::copy_file(reader.base_db_path(), settings.storage.db_path, ec);
  if (ec)
    throw ConfigError(
        {cl.db->string() + ": cannot copy " + reader.base_db_path().string() + " there: " + ec.message()});

  ManualClock clock(0);
  boost::asio::io_context io(1);
  TradingSystem system(io, settings, clock, TradingSystem::Mode::SessionReplay);
  system.start_session_replay(reader, clock);
  io.run();
  const SessionReplayResult& r = system.session_result();
  // Through the log, so it follows the replay's own lines in order.
  spdlog::info("Replayed {} inputs of {} into {}{}", r.inputs, reader.dir().string(), cl.db->string(),
               r.shutdown ? " (the session ended with its shutdown)" : " (the session was killed: no shutdown)");
  if (r.gaps)
    spdlog::warn(
        "Not exact: the recording lost {} inputs in {} gaps (its queue was full); the journal differs from "
        "the live one from the first gap on",
        r.lost, r.gaps);
  if (r.unknown_coins) spdlog::warn("{} ticks and quotes were of coins this what-if does not trade", r.unknown_coins);
  if (r.error) {
    std::cerr << "tradingd: error: " << *r.error << "\n";
    return exit_startup_error;
  }
  return exit_ok;
}

// A test knob from the environment: nullopt when `name` is unset; otherwise a
// whole number from `lo` to `hi` (and `also` holding), or a start-up error
// saying it must be `what`.
std::optional<std::uint64_t> test_knob(const char* name, std::uint64_t lo, std::uint64_t hi, const char* what,
                                       bool (*also)(std::uint64_t) = nullptr) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  const std::string_view text(v);
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < lo || n > hi || (also && !also(n)))
    throw tradingd::ConfigError(
        {std::string(name) + ": " + what + ", got '" + tradingd::TextGuard::printable(text, 24) + "'"});
  return n;
}

// The recorder's queue, a power of two (a small one makes gaps).
std::size_t record_queue_capacity() {
  const auto n = test_knob("TRADINGD_RECORD_QUEUE", 2, 1u << 24, "a power of two from 2 to 16777216",
                           [](std::uint64_t x) { return (x & (x - 1)) == 0; });
  return n ? static_cast<std::size_t>(*n) : tradingd::SessionRecorder::default_capacity;
}

// SIGUSR2 blocks the io thread this long (the systemd watchdog test); 0: no hook.
std::chrono::milliseconds stall_hook() {
  return std::chrono::milliseconds(
      test_knob("TRADINGD_TEST_STALL_MS", 1, 600'000, "milliseconds from 1 to 600000").value_or(0));
}

int run(const tradingd::CommandLine& cl) {
  using namespace tradingd;
  if (cl.replay_session) return replay_session(cl);
  Settings settings = ConfigLoader::load_file(cl.config);
  if (cl.record) settings.record.dir = std::filesystem::absolute(*cl.record);
  if (!cl.replay.empty()) settings.record.dir.clear();  // a replay is already a recording of its sources
  if (cl.check_config) {
    std::cout << settings.to_toml();
    std::cerr << cl.config.string() << ": OK\n";
    return exit_ok;
  }
  // A replay's lines are written out once a second and at warnings: a sweep of
  // short replays would otherwise spend more in log writes than in trading.
  Logging::setup(settings.log, cl.replay.empty() ? Logging::Flush::EveryLine : Logging::Flush::Periodic);
  spdlog::info("tradingd {} starting with {}", TRADINGD_VERSION, cl.config.string());
  spdlog::info(
      "Feed frames: simdjson's {} kernel scans them (chosen for this CPU), fields are read by code built for {}",
      FrameParser::kernel(), FrameParser::walk_target());

  const CoinTable coins(settings.trading.coins);
  // A replay is read as it is replayed; every file's first row is read now, so
  // a file that cannot be replayed stops start-up before the journal opens.
  std::optional<ReplayMerge> replay;
  ReplayTick first_row;
  if (!cl.replay.empty()) {
    replay.emplace(ReplayPaths::expand(cl.replay), coins, settings.trading.quote, cl.format);
    if (!replay->next_row(first_row)) throw ConfigError({replay->describe() + ": no ticks"});
  }
  // --shift-time-to: the first row, and so the clock and a conditions file's
  // times, in the shifted world from the start.
  std::int64_t shift_ms = 0;
  if (replay && cl.shift_time_to) {
    shift_ms = cl.shift_time_to->shift_for(first_row.ts_ms);
    ReplayTimeShift::move(first_row, shift_ms);
  }

  // Replay runs on tick time, starting at the first tick; live runs on the wall clock.
  SystemClock system_clock;
  ManualClock replay_clock(replay ? first_row.ts_ms : 0);
  const Clock& clock = replay ? static_cast<const Clock&>(replay_clock) : system_clock;

  // Parse the conditions before the journal opens: a file that cannot be used
  // stops start-up (exit 2) without touching the journal.
  std::optional<ParsedConditions> parsed;
  if (cl.conditions) parsed = ConditionParser(coins, settings.risk).parse_file(*cl.conditions, clock.now_ms());

  const std::size_t record_capacity = settings.record.dir.empty() ? 0 : record_queue_capacity();
  boost::asio::io_context io(1);
  // systemd (a Type=notify unit): READY=1, STATUS=, WATCHDOG=1, STOPPING=1.
  // Before the system, which holds it, so that it outlives it.
  SystemdNotifier notifier(io, SystemdNotifier::Environment::from_process(), static_cast<long>(::getpid()));
  if (!notifier.problem().empty()) spdlog::warn("systemd: {}", notifier.problem());
  TradingSystem system(io, settings, clock);
  if (notifier.enabled()) {
    system.notify_systemd(notifier);
    if (notifier.watchdog_interval().count() > 0)
      spdlog::info("systemd watchdog: WATCHDOG=1 every {} ms from the io thread",
                   notifier.watchdog_interval().count() / 1000);
  }
  if (!replay) system.enable_stall_hook(stall_hook());
  // Before the conditions file: its arms are the recording's first inputs.
  if (record_capacity) system.start_recording(record_capacity);
  if (parsed) {
    const auto outcome = system.arm_conditions(*parsed, cl.conditions->string());
    // A file loaded again after a restart: its conditions are already in the
    // journal with the same terms, so they are neither armed twice nor refused.
    spdlog::info("{}: {} conditions armed, {} already armed with the same terms, {} refused", cl.conditions->string(),
                 outcome.armed.size(), outcome.existing.size(), outcome.refused.size());
  }
  if (replay)
    system.start_replay(std::move(*replay), first_row, replay_clock,
                        ReplayOptions{cl.replay_rate, cl.clock, cl.api, shift_ms});
  else
    system.start_service();
  io.run();
  if (system.replay_error()) {
    std::cerr << "tradingd: error: " << *system.replay_error() << "\n";
    return exit_startup_error;
  }
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  tradingd::JournalSchema::configure_library();
  if (argc > 1 && std::string_view(argv[1]) == "journal")
    return tradingd::JournalCli::run(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr,
                                     tradingd::SystemClock().now_ms());
  // A file-size limit (ulimit -f) would otherwise kill the process on the
  // journal's next write; ignored, the write fails with EFBIG and the journal
  // treats it as a full disk: keep trading, keep the records, retry.
  std::signal(SIGXFSZ, SIG_IGN);
  tradingd::CommandLine cl;
  try {
    cl = tradingd::CommandLine::parse(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "tradingd: " << e.what() << "\n\n" << tradingd::CommandLine::usage();
    return exit_startup_error;
  }
  if (cl.help) {
    std::cout << tradingd::CommandLine::usage();
    return exit_ok;
  }
  if (cl.version) {
    std::cout << "tradingd " << TRADINGD_VERSION << "\n";
    return exit_ok;
  }
  int code = exit_startup_error;
  try {
    code = run(cl);
  } catch (const tradingd::ConfigError& e) {
    for (const auto& err : e.errors()) std::cerr << "tradingd: error: " << err << "\n";
  } catch (const std::exception& e) {
    // Journal open/schema failures and other start-up errors.
    std::cerr << "tradingd: error: " << e.what() << "\n";
    spdlog::critical("start-up failed: {}", e.what());
  }
  tradingd::Logging::shutdown();  // every queued log line is written before exit
  return code;
}
