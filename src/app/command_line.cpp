#include "tradingd/app/command_line.hpp"

#include "tradingd/domain/text_guard.hpp"
#include "tradingd/feed/archive_format.hpp"

#include <stdexcept>

namespace tradingd {

std::string CommandLine::usage() {
  return R"(Usage:
  tradingd --config FILE [--conditions FILE]              run as a service
  tradingd --config FILE [--conditions FILE] --replay SOURCE... [--format NAME] [--replay-rate N]
           [--api] [--clock max|speed:N|lockstep] [--shift-time-to DATE]
                                                          replay market data through the trading path, then exit
  tradingd --config FILE [--conditions FILE] --record DIR
                                                          run as a service and record the session (every input)
  tradingd --replay-session DIR --db FILE [--config FILE] replay a recorded session exactly into a new journal;
                                                          with --config, a what-if with those trading settings
  tradingd --config FILE --check-config                   validate and print the effective settings
  tradingd journal (--config FILE | --db FILE) COMMAND    read the journal (tradingd journal --help)
  tradingd --version | --help

Options:
  --config FILE        TOML settings (see config/settings.toml)
  --conditions FILE    JSON array of trade conditions to arm at start-up
  --replay SOURCE...   files, directories or globs of market data, merged by time, row time as the
                       clock: tradingd's rows (ts_ms,coin,price[,bid,ask]) or the exchanges' archives
                       as published (plain, .gz or .zip; see docs/replay.md)
  --format NAME        with --replay: read every source as NAME instead of telling each file's
                       format from its name and first line: )" +
         ArchiveFormats::names() + R"(
  --replay-rate N      with --replay: N ticks per second instead of as fast as possible
  --api                with --replay: serve the control API and GET /events ([api] port) while it plays
  --clock MODE         with --replay: how replay time passes: max (default: as fast as possible),
                       speed:N (N times market time), lockstep (needs --api: time moves only on
                       POST /clock/advance; see docs/replay.md "Driving a replay")
  --shift-time-to DATE with --replay: move every market time by one constant so the data starts on
                       DATE (YYYY-MM-DD: the same time of day; or an ISO-8601 UTC instant), to hide
                       the real date from a strategist; the journal keeps the moved times and its
                       TIME_SHIFT event says by how much
  --record DIR         write a session recording under DIR/<start time>/ (or [record] dir)
  --replay-session DIR a recording's session folder (DIR/<start time>/) to replay
  --db FILE            with --replay-session: the journal to write (must not exist)
  --check-config       exit 0 if the config is valid, 2 with every problem named otherwise

Exit codes: 0 clean shutdown, 2 bad command line, config, conditions, replay file or journal.
)";
}

CommandLine CommandLine::parse(const std::vector<std::string>& args) {
  CommandLine cl;
  auto value = [&](std::size_t& i) -> const std::string& {
    if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
    return args[++i];
  };
  bool have_config = false;
  bool have_clock = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config") {
      cl.config = value(i);
      have_config = true;
    } else if (a == "--conditions") {
      cl.conditions = value(i);
    } else if (a == "--replay") {
      (void)value(i);
      cl.replay.push_back(args[i]);
      // Every argument up to the next option is a source (a shell's glob expands to many).
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) cl.replay.push_back(args[++i]);
    } else if (a == "--format") {
      const std::string& v = value(i);
      cl.format = ArchiveFormats::parse(v);
      if (!cl.format)
        throw std::invalid_argument("--format needs one of " + ArchiveFormats::names() + ", got '" +
                                    TextGuard::printable(v, 40) + "'");
    } else if (a == "--replay-rate") {
      const std::string& v = value(i);
      try {
        std::size_t used = 0;
        cl.replay_rate = std::stod(v, &used);
        // Finite and bounded: the pacing multiplies elapsed seconds by it into a row count.
        if (used != v.size() || !(cl.replay_rate >= 0 && cl.replay_rate <= 1e9)) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        throw std::invalid_argument(
            "--replay-rate needs a number of rows per second from 0 to 1e9 (0: as fast as possible), got '" +
            TextGuard::printable(v, 40) + "'");
      }
    } else if (a == "--clock") {
      const std::string& v = value(i);
      const auto pace = ReplayPace::parse(v);
      if (!pace)
        throw std::invalid_argument("--clock needs max, speed:N (N > 0) or lockstep, got '" +
                                    TextGuard::printable(v, 40) + "'");
      cl.clock = *pace;
      have_clock = true;
    } else if (a == "--shift-time-to") {
      const std::string& v = value(i);
      cl.shift_time_to = ReplayTimeShift::parse(v);
      if (!cl.shift_time_to)
        throw std::invalid_argument(
            "--shift-time-to needs a date (YYYY-MM-DD) or an ISO-8601 UTC time (2031-01-01T00:00:00Z), got '" +
            TextGuard::printable(v, 40) + "'");
    } else if (a == "--api") {
      cl.api = true;
    } else if (a == "--record") {
      cl.record = value(i);
    } else if (a == "--replay-session") {
      cl.replay_session = value(i);
    } else if (a == "--db") {
      cl.db = value(i);
    } else if (a == "--check-config") {
      cl.check_config = true;
    } else if (a == "--version" || a == "-V") {
      cl.version = true;
    } else if (a == "--help" || a == "-h") {
      cl.help = true;
    } else {
      throw std::invalid_argument("unknown argument '" + a + "'");
    }
  }
  if (cl.help || cl.version) return cl;
  if (cl.replay_session) {
    // The session brings its own settings and inputs: nothing else may feed it.
    if (!cl.db) throw std::invalid_argument("--replay-session needs --db FILE (a new journal to write)");
    if (!cl.replay.empty() || cl.conditions || cl.record || cl.check_config || cl.replay_rate > 0 || cl.format ||
        cl.api || have_clock || cl.shift_time_to)
      throw std::invalid_argument(
          "--replay-session takes only --db FILE and --config FILE (a what-if); the session holds its own "
          "conditions and market data");
    return cl;
  }
  if (cl.db) throw std::invalid_argument("--db needs --replay-session");
  if (cl.record && !cl.replay.empty())
    throw std::invalid_argument("--record records a live session; a --replay is already a recording of its sources");
  if (!have_config) throw std::invalid_argument("--config FILE is required");
  if (cl.replay_rate > 0 && cl.replay.empty()) throw std::invalid_argument("--replay-rate needs --replay");
  if (cl.format && cl.replay.empty()) throw std::invalid_argument("--format needs --replay");
  if (cl.api && cl.replay.empty())
    throw std::invalid_argument("--api serves the API during a --replay; a live run serves it always");
  if (have_clock && cl.replay.empty()) throw std::invalid_argument("--clock needs --replay");
  if (cl.shift_time_to && cl.replay.empty()) throw std::invalid_argument("--shift-time-to needs --replay");
  if (cl.clock.mode() == ReplayPace::Mode::Lockstep && !cl.api)
    throw std::invalid_argument("--clock lockstep needs --api: the replay moves only on POST /clock/advance");
  if (cl.clock.mode() != ReplayPace::Mode::Max && cl.replay_rate > 0)
    throw std::invalid_argument("--replay-rate paces rows; --clock " + cl.clock.name() +
                                " paces market time: give one of them");
  return cl;
}

}  // namespace tradingd
