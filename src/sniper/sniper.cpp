#include "tradingd/sniper/sniper.hpp"

#include <algorithm>
#include <cmath>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/clock.hpp"
#include "tradingd/journal/record_sink.hpp"

namespace tradingd {

std::string_view to_string(RiskReason r) {
  switch (r) {
    case RiskReason::MaxPositions:
      return "max_positions";
    case RiskReason::MaxPositionPerCoin:
      return "max_position_per_coin";
    case RiskReason::MaxExposure:
      return "max_exposure";
    case RiskReason::InsufficientBalance:
      return "insufficient_balance";
  }
  return "?";
}

namespace {

constexpr double exposure_tolerance = 1e-9;

ArmedCondition to_armed(const TradeCondition& c) {
  ArmedCondition a;
  a.trigger_price = c.trigger_price;
  a.position_size_usd = c.position_size_usd;
  a.stop_loss_pct = c.stop_loss_pct;
  a.take_profit_pct = c.take_profit_pct;
  a.valid_until_ms = c.valid_until_ms;
  a.trigger_type = c.trigger_type;
  a.direction = c.direction;
  a.id = c.id;
  a.strategy_id = c.strategy_id;
  return a;
}

bool fires(const ArmedCondition& c, double price) {
  return c.trigger_type == TriggerType::Above ? price >= c.trigger_price : price <= c.trigger_price;
}

}  // namespace

Sniper::Sniper(const CoinTable& coins, const RiskSettings& risk, const PaperSettings& paper, const Clock& clock,
               RecordSink& sink)
    : coins_(coins),
      risk_(risk),
      paper_(paper),
      clock_(clock),
      sink_(sink),
      armed_(coins.size()),
      positions_(coins.size()),
      last_price_(coins.size(), 0.0),
      balance_(paper.initial_balance) {
  // Room for the per-coin limit up front, so opening a position on the hot
  // path does not grow a vector.
  for (auto& v : positions_) v.reserve(static_cast<std::size_t>(risk.max_position_per_coin));
}

std::optional<FieldError> Sniper::arm(const TradeCondition& condition) {
  if (auto err = condition.validate(coins_)) return err;
  if (known_ids_.count(condition.id) != 0)
    return FieldError{"id", "'" + condition.id + "' is already in the journal (ids are never reused)"};
  known_ids_.insert(condition.id);
  add_armed(*coins_.find(condition.coin), condition);
  sink_.submit(ConditionArmed{condition, clock_.now_ms()});
  return std::nullopt;
}

void Sniper::restore_condition(const TradeCondition& condition) {
  const auto coin = coins_.find(condition.coin);
  if (!coin) return;  // the caller reports coins that are no longer configured
  known_ids_.insert(condition.id);
  add_armed(*coin, condition);
}

void Sniper::add_armed(CoinId coin, const TradeCondition& condition) {
  ArmedCondition a = to_armed(condition);
  a.seq = next_seq_++;
  a.coin = coin;
  armed_[coin].push_back(a);
  ++armed_count_;
}

void Sniper::restore_position(const Position& position) {
  if (position.coin >= positions_.size()) return;
  positions_[position.coin].push_back(position);
  ++open_count_;
}

void Sniper::on_price_tick(CoinId coin, double price, std::int64_t ts_ms) {
  ++counters_.ticks;
  // `!(price > 0)` is also true for NaN.
  if (!(price > 0.0) || !std::isfinite(price) || coin >= armed_.size()) {
    ++counters_.invalid_ticks;
    counters_.last_invalid_coin = coin;
    counters_.last_invalid_price = price;
    return;
  }
  if (!trading_enabled_) {
    ++counters_.paused_ticks;
    return;
  }
  last_price_[coin] = price;

  // 1. Exits first, in opening order, with the levels fixed at entry.
  auto& open = positions_[coin];
  for (std::size_t i = 0; i < open.size();) {
    const Position& p = open[i];
    std::optional<ExitReason> exit;
    if (p.direction == Direction::Long) {
      if (price <= p.stop_loss_price)
        exit = ExitReason::StopLoss;
      else if (price >= p.take_profit_price)
        exit = ExitReason::TakeProfit;
    } else {
      if (price >= p.stop_loss_price)
        exit = ExitReason::StopLoss;
      else if (price <= p.take_profit_price)
        exit = ExitReason::TakeProfit;
    }
    if (exit)
      close(coin, i, price, *exit, ts_ms);  // removes open[i]; the next one moves into i
    else
      ++i;
  }

  // 2. Then entries, in arming order. Consumed conditions are compacted out in
  // one pass so the order of the rest is kept.
  auto& armed = armed_[coin];
  if (armed.empty()) return;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < armed.size(); ++i) {
    const ArmedCondition& c = armed[i];
    if (ts_ms > c.valid_until_ms) {
      finish_condition(c, ConditionStatus::Expired, "valid_until passed", ts_ms);
      ++counters_.expired;
    } else if (fires(c, price)) {
      if (sink_.congested() || entries_halted_) {
        // Journal backpressure: stay armed rather than open a position whose
        // record could not be queued in order (see TradeJournal). Halted by
        // the operator: stay armed until resumed.
        if (keep != i) armed[keep] = armed[i];
        ++keep;
        continue;
      }
      if (const auto reason = risk_check(coin, c.position_size_usd)) {
        finish_condition(c, ConditionStatus::Rejected, to_string(*reason), ts_ms);
        ++counters_.rejected;
      } else {
        open_position(coin, c, price, ts_ms);
        ++counters_.triggered;
      }
    } else {
      if (keep != i) armed[keep] = armed[i];
      ++keep;
    }
  }
  armed_count_ -= armed.size() - keep;
  armed.resize(keep);  // shrinking never allocates
}

std::optional<RiskReason> Sniper::risk_check(CoinId coin, double size_usd) const {
  if (open_count_ >= static_cast<std::size_t>(risk_.max_positions)) return RiskReason::MaxPositions;
  if (positions_[coin].size() >= static_cast<std::size_t>(risk_.max_position_per_coin))
    return RiskReason::MaxPositionPerCoin;
  double exposure = 0.0;
  for (const auto& per_coin : positions_)
    for (const auto& p : per_coin) exposure += p.size_usd;
  if (exposure + size_usd > risk_.max_exposure_pct * balance_ + exposure_tolerance) return RiskReason::MaxExposure;
  if (exposure + size_usd > balance_) return RiskReason::InsufficientBalance;
  return std::nullopt;
}

void Sniper::open_position(CoinId coin, const ArmedCondition& c, double price, std::int64_t ts_ms) {
  Position p;
  char id_buf[TradeId::capacity()];
  id_buf[0] = 'T';
  id_buf[1] = '-';
  const auto cid = c.id.view();
  cid.copy(id_buf + 2, cid.size());
  p.id = std::string_view(id_buf, cid.size() + 2);
  p.condition_id = c.id;
  p.strategy_id = c.strategy_id;
  p.coin = coin;
  p.direction = c.direction;
  p.size_usd = c.position_size_usd;
  p.entry_price = price;
  p.qty = c.position_size_usd / price;
  p.entry_ms = ts_ms;
  if (c.direction == Direction::Long) {
    p.stop_loss_price = price * (1.0 - c.stop_loss_pct);
    p.take_profit_price = price * (1.0 + c.take_profit_pct);
  } else {
    p.stop_loss_price = price * (1.0 + c.stop_loss_pct);
    p.take_profit_price = price * (1.0 - c.take_profit_pct);
  }
  p.entry_fee_usd = c.position_size_usd * paper_.fee_pct;
  positions_[coin].push_back(p);
  ++open_count_;
  sink_.submit(PositionOpened{p, std::string_view(coins_.name(coin)), ts_ms});
}

void Sniper::close(CoinId coin, std::size_t index, double price, ExitReason reason, std::int64_t ts_ms) {
  auto& open = positions_[coin];
  const Position p = open[index];
  open.erase(open.begin() + static_cast<std::ptrdiff_t>(index));
  --open_count_;
  const ClosedTrade t = settle(p, price, paper_.fee_pct);
  balance_ += t.pnl_usd;
  ++counters_.closed;
  PositionClosed rec;
  rec.trade_id = p.id;
  rec.coin = std::string_view(coins_.name(coin));
  rec.reason = reason;
  rec.exit_price = price;
  rec.exit_ms = ts_ms;
  rec.fees_usd = t.fees_usd;
  rec.pnl_usd = t.pnl_usd;
  rec.balance_after = balance_;
  sink_.submit(std::move(rec));
}

void Sniper::finish_condition(const ArmedCondition& c, ConditionStatus status, std::string_view reason,
                              std::int64_t ts_ms) {
  sink_.submit(ConditionFinished{c.id, status, reason, ts_ms});
}

template <typename Pred>
std::size_t Sniper::finish_where(Pred pred, ConditionStatus status, std::string_view reason, std::int64_t ts_ms) {
  // Timer and control path, not the tick path: allocating here is fine.
  std::vector<ArmedCondition> done;
  for (auto& armed : armed_) {
    std::size_t keep = 0;
    for (std::size_t i = 0; i < armed.size(); ++i) {
      if (pred(armed[i])) {
        done.push_back(armed[i]);
      } else {
        if (keep != i) armed[keep] = armed[i];
        ++keep;
      }
    }
    armed.resize(keep);
  }
  std::sort(done.begin(), done.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  for (const auto& c : done) finish_condition(c, status, reason, ts_ms);
  armed_count_ -= done.size();
  return done.size();
}

std::size_t Sniper::sweep_expired(std::int64_t now_ms) {
  const std::size_t n = finish_where([now_ms](const ArmedCondition& c) { return now_ms > c.valid_until_ms; },
                                     ConditionStatus::Expired, "valid_until passed", now_ms);
  counters_.expired += n;
  return n;
}

bool Sniper::cancel(std::string_view condition_id, std::string_view reason) {
  for (auto& armed : armed_) {
    for (auto it = armed.begin(); it != armed.end(); ++it) {
      if (it->id == condition_id) {
        finish_condition(*it, ConditionStatus::Cancelled, reason, clock_.now_ms());
        armed.erase(it);
        --armed_count_;
        return true;
      }
    }
  }
  return false;
}

std::size_t Sniper::cancel_all(std::string_view reason) {
  return finish_where([](const ArmedCondition&) { return true; }, ConditionStatus::Cancelled, reason, clock_.now_ms());
}

bool Sniper::close_position(std::string_view trade_id, ExitReason reason) {
  for (CoinId coin = 0; coin < positions_.size(); ++coin) {
    auto& open = positions_[coin];
    for (std::size_t i = 0; i < open.size(); ++i) {
      if (open[i].id == trade_id) {
        if (last_price_[coin] <= 0.0) return false;
        close(coin, i, last_price_[coin], reason, clock_.now_ms());
        return true;
      }
    }
  }
  return false;
}

std::size_t Sniper::close_all(ExitReason reason) {
  std::size_t left = 0;
  const auto now = clock_.now_ms();
  for (CoinId coin = 0; coin < positions_.size(); ++coin) {
    if (last_price_[coin] <= 0.0) {
      left += positions_[coin].size();
      continue;
    }
    while (!positions_[coin].empty()) close(coin, 0, last_price_[coin], reason, now);
  }
  return left;
}

std::vector<Position> Sniper::open_positions() const {
  std::vector<Position> out;
  for (const auto& per_coin : positions_) out.insert(out.end(), per_coin.begin(), per_coin.end());
  return out;
}

std::vector<ArmedCondition> Sniper::active_conditions() const {
  std::vector<ArmedCondition> out;
  for (const auto& per_coin : armed_) out.insert(out.end(), per_coin.begin(), per_coin.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

std::optional<double> Sniper::last_price(CoinId coin) const {
  if (coin >= last_price_.size() || last_price_[coin] <= 0.0) return std::nullopt;
  return last_price_[coin];
}

}  // namespace tradingd
