#pragma once
// JournalSummary: how a set of trades did, per strategy and per coin: closed
// and open trades, wins, win rate, P&L, fees, what the fills cost against the
// trade prices that decided them (spread and slippage), the exits by reason,
// and the maximum drawdown of the realised P&L curve (closed trades in exit
// order). Pure computation over TradeRows; the journal CLI prints it.

#include <array>
#include <map>
#include <string>
#include <vector>

#include "tradingd/journal/journal_reader.hpp"

namespace tradingd {

struct PerformanceRow {
  std::size_t closed = 0;
  std::size_t open = 0;
  std::size_t wins = 0;  // closed with pnl_usd > 0
  double pnl_usd = 0.0;
  double fees_usd = 0.0;          // entry and exit fees of closed trades, entry fees of open ones
  double max_drawdown_usd = 0.0;  // the largest fall of cumulative P&L from a previous peak
  // USD paid against the marks: entry and exit fills vs the trade prices that
  // decided them (spread and slippage; negative when a fill was better).
  double fill_cost_usd = 0.0;
  std::array<std::size_t, 6> exits{};  // closed trades by ExitReason
  [[nodiscard]] double win_rate() const { return closed ? static_cast<double>(wins) / static_cast<double>(closed) : 0; }
};

// One trade's fill cost in USD (design.md §4.4): LONG pays qty x (entry fill -
// entry mark) going in and qty x (exit mark - exit fill) going out; SHORT the
// other way round. An open trade has its entry cost only.
[[nodiscard]] double fill_cost_usd(const TradeRow& t);

struct JournalSummary {
  std::map<std::string, PerformanceRow> by_strategy;
  std::map<std::string, PerformanceRow> by_coin;
  PerformanceRow total;

  static JournalSummary of(const std::vector<TradeRow>& trades);
};

}  // namespace tradingd
