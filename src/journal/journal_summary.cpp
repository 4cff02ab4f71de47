#include "tradingd/journal/journal_summary.hpp"

#include <algorithm>

namespace tradingd {
namespace {

// Adds closed trades (already in exit order) to one row, tracking its own P&L curve.
struct Curve {
  double cumulative = 0.0;
  double peak = 0.0;
};

void add(PerformanceRow& row, Curve& curve, const TradeRow& t) {
  row.fees_usd += t.fees_usd;
  if (t.status != "CLOSED") {
    ++row.open;
    return;
  }
  ++row.closed;
  const double pnl = t.pnl_usd.value_or(0.0);
  if (pnl > 0) ++row.wins;
  row.pnl_usd += pnl;
  curve.cumulative += pnl;
  curve.peak = std::max(curve.peak, curve.cumulative);
  row.max_drawdown_usd = std::max(row.max_drawdown_usd, curve.peak - curve.cumulative);
}

}  // namespace

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
