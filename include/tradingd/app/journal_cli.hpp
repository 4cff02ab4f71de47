#pragma once
// JournalCli: `tradingd journal ...`, the journal read back for people and
// scripts. Opens the database read-only, so it runs while the daemon writes
// (WAL readers never block the writer).
//
//   tradingd journal (--config FILE | --db FILE) COMMAND
//     recent [--hours N]          trades entered in the last N hours (24), with what each fill was priced from
//     open                        open positions
//     summary                     per strategy and per coin: trades, win rate, P&L, fees, fill cost,
//                                 max drawdown; exits by reason per strategy
//     conditions [--status S]     every condition, or those with status S
//     export [--format csv|json] [--table trades|conditions|balance|events]

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace tradingd {

class JournalCli {
 public:
  // `args` are the words after "journal". Returns the exit code: 0, or 2 with
  // the problem on `err` (bad arguments, no such database, a newer schema).
  static int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, std::int64_t now_ms);
  static std::string usage();
};

}  // namespace tradingd
