#include "tradingd/journal/journal_summary.hpp"

#include <algorithm>

#include "tradingd/domain/position.hpp"

namespace tradingd {
namespace {

// Adds closed trades (already in exit order) to one row, tracking its own P&L curve.
struct Curve {
  double cumulative = 0.0;
  double peak = 0.0;
};

void add(PerformanceRow& row, Curve& curve, const TradeRow& t) {
  row.fees_usd += t.fees_usd;
  row.fill_cost_usd += fill_cost_usd(t);
  if (t.status != "CLOSED") {
    ++row.open;
    return;
  }
  ++row.closed;
  if (const auto reason = parse_exit_reason(t.exit_reason)) ++row.exits[static_cast<std::size_t>(*reason)];
  const double pnl = t.pnl_usd.value_or(0.0);
  if (pnl > 0) ++row.wins;
  row.pnl_usd += pnl;
  curve.cumulative += pnl;
  curve.peak = std::max(curve.peak, curve.cumulative);
  row.max_drawdown_usd = std::max(row.max_drawdown_usd, curve.peak - curve.cumulative);
}

}  // namespace

double fill_cost_usd(const TradeRow& t) {
  const bool is_long = t.direction == "LONG";
  double cost = is_long ? t.qty * (t.entry_price - t.entry_mark) : t.qty * (t.entry_mark - t.entry_price);
  if (t.exit_price && t.exit_mark)
    cost += is_long ? t.qty * (*t.exit_mark - *t.exit_price) : t.qty * (*t.exit_price - *t.exit_mark);
  return cost;
}

JournalSummary JournalSummary::of(const std::vector<TradeRow>& trades) {
  std::vector<const TradeRow*> ordered;
  for (const auto& t : trades) ordered.push_back(&t);
  // Closed trades in the order they realised their P&L; open ones last.
  std::stable_sort(ordered.begin(), ordered.end(), [](const TradeRow* a, const TradeRow* b) {
    const auto ka = a->exit_ms.value_or(INT64_MAX), kb = b->exit_ms.value_or(INT64_MAX);
    return ka < kb;
  });
  JournalSummary s;
  std::map<std::string, Curve> strategy_curves, coin_curves;
  Curve total_curve;
  for (const TradeRow* t : ordered) {
    const std::string strategy = t->strategy_id.empty() ? "(none)" : t->strategy_id;
    add(s.by_strategy[strategy], strategy_curves[strategy], *t);
    add(s.by_coin[t->coin], coin_curves[t->coin], *t);
    add(s.total, total_curve, *t);
  }
  return s;
}

}  // namespace tradingd
