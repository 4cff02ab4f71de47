#include "tradingd/sniper/sniper.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/clock.hpp"
#include "tradingd/domain/price_rule.hpp"
#include "tradingd/domain/time_format.hpp"
#include "tradingd/sniper/record_sink.hpp"

namespace tradingd {

std::string_view to_string(RiskReason r) {
  switch (r) {
    case RiskReason::Cooldown:
      return "cooldown";
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
constexpr std::int64_t no_stop = INT64_MIN;

// "oco:<id>" without touching the heap.
ReasonText oco_reason(const ConditionId& opener) {
  char buf[ReasonText::capacity()];
  constexpr std::string_view prefix = "oco:";
  prefix.copy(buf, prefix.size());
  const auto id = opener.view();
  const std::size_t n = std::min(id.size(), sizeof buf - prefix.size());
  id.copy(buf + prefix.size(), n);
  return ReasonText(std::string_view(buf, prefix.size() + n));
}

}  // namespace

Sniper::Sniper(const CoinTable& coins, const RiskSettings& risk, const PaperSettings& paper, const Clock& clock,
               RecordSink& sink, IdHistory* ids)
    : coins_(coins),
      risk_(risk),
      paper_(paper),
      clock_(clock),
      sink_(sink),
      book_(coins.size()),
      positions_(coins.size()),
      exit_bands_(coins.size()),
      last_price_(coins.size(), 0.0),
      quotes_(coins.size()),
      last_losing_stop_ms_(coins.size(), no_stop),
      own_ids_(ids ? nullptr : std::make_unique<MemoryIdHistory>()),
      ids_(ids ? *ids : *own_ids_),
      balance_(paper.initial_balance) {
  // Room for the per-coin limit up front, so opening a position on the hot
  // path does not grow a vector; likewise the OCO scratch list.
  for (auto& v : positions_) v.reserve(static_cast<std::size_t>(risk.max_position_per_coin));
  oco_scratch_.reserve(oco_scratch_reserve);
  due_.reserve(due_reserve);
}

std::optional<FieldError> Sniper::arm(const TradeCondition& condition) {
  if (auto err = condition.validate(coins_)) return err;
  if (ids_.contains(condition.id))
    return FieldError{"id", "'" + condition.id + "' is already in the journal (ids are never reused)"};
  ids_.add(condition.id);
  add_armed(*coins_.find(condition.coin), condition);
  sink_.submit(ConditionArmed{condition, clock_.now_ms()});
  return std::nullopt;
}

void Sniper::restore_condition(const TradeCondition& condition) {
  const auto coin = coins_.find(condition.coin);
  if (!coin) return;                          // the caller reports coins that are no longer configured
  if (own_ids_) own_ids_->add(condition.id);  // a journal-backed history finds it in the journal
  add_armed(*coin, condition);
}

void Sniper::add_armed(CoinId coin, const TradeCondition& condition) {
  ArmedCondition a;
  a.trigger_price = condition.trigger_price;
  a.position_size_usd = condition.position_size_usd;
  a.stop_loss_pct = condition.stop_loss_pct;
  a.take_profit_pct = condition.take_profit_pct;
  a.trailing_stop_pct = condition.trailing_stop_pct.value_or(0.0);
  a.trailing_activation_pct = condition.trailing_activation_pct.value_or(0.0);
  a.max_hold_ms = condition.max_hold_ms.value_or(0);
  a.valid_until_ms = condition.valid_until_ms;
  a.trigger_type = condition.trigger_type;
  a.direction = condition.direction;
  a.id = condition.id;
  a.strategy_id = condition.strategy_id;
  a.seq = next_seq_++;
  a.coin = coin;
  book_.add(a, condition.oco_group);
}

void Sniper::restore_position(const Position& position) {
  if (position.coin >= positions_.size()) return;
  // persisted_ms 0: the next sweep may persist an improvement at once.
  positions_[position.coin].push_back(OpenPosition{position, next_open_seq_++, position.best_price, 0});
  exit_bands_[position.coin].spoil();
  ++open_count_;
}

void Sniper::restore_losing_stop(CoinId coin, std::int64_t exit_ms) {
  // A time outside 1970..9999 (a hand-edited row) would overflow the cooldown's arithmetic: no cooldown from it.
  if (!TimeFormat::in_range(exit_ms)) return;
  if (coin < last_losing_stop_ms_.size()) last_losing_stop_ms_[coin] = std::max(last_losing_stop_ms_[coin], exit_ms);
}

void Sniper::on_quote(CoinId coin, const Quote& quote) {
  if (coin >= quotes_.size() || !quote.valid() || !TimeFormat::in_range(quote.ts_ms)) {
    ++counters_.invalid_quotes;
    return;
  }
  if (quote.has_bid || quote.has_ask) ++counters_.quotes;  // an empty one only clears the slot (failover)
  quotes_[coin] = quote;
}

void Sniper::on_price_tick(CoinId coin, double price, std::int64_t ts_ms) {
  ++counters_.ticks;
  // design.md §4 step 1: not a real price (NaN included), dropped and counted;
  // so is a time outside 1970..9999, on which a time difference could
  // overflow (the doors refuse both; this is the last line).
  // One unsigned compare for the time: a negative one wraps past the bound.
  if (!PriceRule::real(price) || coin >= positions_.size() ||
      static_cast<std::uint64_t>(ts_ms) > static_cast<std::uint64_t>(TimeFormat::max_epoch_ms)) {
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

  // 1. Exits first, in opening order: the best price moves, then the stop
  // (fixed or trailing), the take-profit and the time limit are checked. A
  // tick inside the coin's exit band changes none of them.
  if (!exit_bands_[coin].quiet(price, ts_ms)) {
    auto& open = positions_[coin];
    for (std::size_t i = 0; i < open.size();) {
      Position& p = open[i].position;
      p.observe(price);
      if (const auto exit = p.exit_on(price, ts_ms))
        close(coin, i, price, *exit, ts_ms);  // removes open[i]; the next one moves into i
      else
        ++i;
    }
    rebuild_exit_band(coin);
  }

  // 2. Then entries: the conditions that fire or have expired, in arming
  // order. Most ticks have none, and the book says so in O(1).
  if (book_.quiet(coin, price, ts_ms)) return;
  due_.clear();
  book_.due(coin, price, ts_ms, due_);
  for (const ArmedBook::Slot slot : due_) {
    if (!book_.armed(slot)) continue;  // cancelled by an OCO sibling that opened earlier on this tick
    const ArmedCondition& c = book_.at(slot);
    if (c.expired_at(ts_ms)) {
      finish_condition(c, ConditionStatus::Expired, "valid_until passed", ts_ms);
      ++counters_.expired;
    } else if (sink_.congested() || entries_halted_) {
      // Journal backpressure: stay armed rather than open a position whose
      // record could not be queued in order (see TradeJournal). Halted by the
      // operator: stay armed until resumed.
      continue;
    } else if (const auto reason = risk_check(coin, c.position_size_usd, ts_ms)) {
      finish_condition(c, ConditionStatus::Rejected, to_string(*reason), ts_ms);
      ++counters_.rejected;
    } else {
      open_position(coin, c, price, ts_ms);
      ++counters_.triggered;
      if (c.oco != 0) cancel_oco_siblings(slot, ts_ms);
    }
    book_.remove(slot);
  }
}

void Sniper::rebuild_exit_band(CoinId coin) {
  ExitBand b;
  for (const OpenPosition& op : positions_[coin]) {
    const Position& p = op.position;
    const auto stop = p.stop();
    if (p.is_long()) {
      if (stop) b.above = std::max(b.above, stop->price);
      if (p.take_profit_price) b.below = std::min(b.below, *p.take_profit_price);
      b.to = std::min(b.to, p.best_price);
    } else {
      if (stop) b.below = std::min(b.below, stop->price);
      if (p.take_profit_price) b.above = std::max(b.above, *p.take_profit_price);
      b.from = std::max(b.from, p.best_price);
    }
    if (const auto limit = p.time_limit_ms()) b.until = std::min(b.until, *limit);
  }
  exit_bands_[coin] = b;
}

void Sniper::cancel_oco_siblings(ArmedBook::Slot opener, std::int64_t ts_ms) {
  const ArmedCondition& o = book_.at(opener);
  oco_scratch_.clear();
  for (const ArmedBook::Slot m : book_.group_members(o.oco))
    if (m != opener) oco_scratch_.push_back(OcoSibling{book_.at(m).seq, m});
  if (oco_scratch_.empty()) return;
  std::sort(oco_scratch_.begin(), oco_scratch_.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  const ReasonText reason = oco_reason(o.id);
  for (const auto& s : oco_scratch_) {
    const ArmedCondition& sibling = book_.at(s.slot);
    sink_.submit(ConditionFinished{sibling.id, ConditionStatus::Cancelled, reason, ts_ms, sibling.strategy_id});
    book_.remove(s.slot);
  }
  counters_.cancelled_oco += oco_scratch_.size();
}

std::optional<RiskReason> Sniper::risk_check(CoinId coin, double size_usd, std::int64_t ts_ms) const {
  if (cooldown_until(coin, ts_ms)) return RiskReason::Cooldown;
  if (open_count_ >= static_cast<std::size_t>(risk_.max_positions)) return RiskReason::MaxPositions;
  if (positions_[coin].size() >= static_cast<std::size_t>(risk_.max_position_per_coin))
    return RiskReason::MaxPositionPerCoin;
  double exposure = 0.0;
  for (const auto& per_coin : positions_)
    for (const auto& p : per_coin) exposure += p.position.size_usd;
  if (exposure + size_usd > risk_.max_exposure_pct * balance_ + exposure_tolerance) return RiskReason::MaxExposure;
  if (exposure + size_usd > balance_) return RiskReason::InsufficientBalance;
  return std::nullopt;
}

std::optional<std::int64_t> Sniper::cooldown_until(CoinId coin, std::int64_t now_ms) const {
  if (risk_.cooldown_after_stop_ms <= 0 || coin >= last_losing_stop_ms_.size()) return std::nullopt;
  const std::int64_t last = last_losing_stop_ms_[coin];
  // Less than cooldown_after_stop_ms after the losing stop: still cooling down.
  if (last == no_stop || now_ms - last >= risk_.cooldown_after_stop_ms) return std::nullopt;
  return last + risk_.cooldown_after_stop_ms;
}

Sniper::Fill Sniper::fill(CoinId coin, Side side, double mark) {
  const bool buy = side == Side::Buy;
  Fill f{mark, FillBasis::Trade};
  if (paper_.fill_on == FillOn::Quote) {
    const Quote& q = quotes_[coin];
    // Only a quote no older than max_quote_age_ms by the clock (tick time in a replay) is used.
    if ((buy ? q.has_ask : q.has_bid) && clock_.now_ms() - q.ts_ms <= paper_.max_quote_age_ms)
      f = buy ? Fill{q.ask, FillBasis::Ask} : Fill{q.bid, FillBasis::Bid};
    else
      ++counters_.quote_fallbacks;
  }
  if (paper_.slippage_bps != 0.0) {
    const double slip = paper_.slippage_bps / 10'000.0;
    f.price *= buy ? 1.0 + slip : 1.0 - slip;  // against the trader
  }
  ++counters_.fills[static_cast<std::size_t>(f.basis)];
  return f;
}

void Sniper::open_position(CoinId coin, const ArmedCondition& c, double mark, std::int64_t ts_ms) {
  const bool is_long = c.direction == Direction::Long;
  const Fill f = fill(coin, is_long ? Side::Buy : Side::Sell, mark);
  const double e = f.price;
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
  p.entry_price = e;
  p.entry_mark = mark;
  p.entry_fill = f.basis;
  p.qty = c.position_size_usd / e;
  p.entry_ms = ts_ms;
  if (c.stop_loss_pct > 0.0) p.stop_loss_price = is_long ? e * (1.0 - c.stop_loss_pct) : e * (1.0 + c.stop_loss_pct);
  if (c.take_profit_pct > 0.0)
    p.take_profit_price = is_long ? e * (1.0 + c.take_profit_pct) : e * (1.0 - c.take_profit_pct);
  p.trailing_stop_pct = c.trailing_stop_pct;
  p.trailing_activation_pct = c.trailing_activation_pct;
  p.max_hold_ms = c.max_hold_ms;
  p.best_price = e;  // design.md §4: best starts at the entry fill
  p.entry_fee_usd = c.position_size_usd * paper_.fee_pct;
  positions_[coin].push_back(OpenPosition{p, next_open_seq_++, e, ts_ms});
  exit_bands_[coin].spoil();
  ++open_count_;
  sink_.submit(PositionOpened{p, std::string_view(coins_.name(coin)), ts_ms});
}

void Sniper::close(CoinId coin, std::size_t index, double mark, ExitReason reason, std::int64_t ts_ms) {
  auto& open = positions_[coin];
  const Position p = open[index].position;
  open.erase(open.begin() + static_cast<std::ptrdiff_t>(index));
  --open_count_;
  exit_bands_[coin].spoil();
  const Fill f = fill(coin, p.is_long() ? Side::Sell : Side::Buy, mark);
  const ClosedTrade t = settle(p, f.price, paper_.fee_pct);
  balance_ += t.pnl_usd;
  ++counters_.closed;
  if ((reason == ExitReason::StopLoss || reason == ExitReason::TrailingStop) && t.pnl_usd < 0.0)
    last_losing_stop_ms_[coin] = std::max(last_losing_stop_ms_[coin], ts_ms);
  PositionClosed rec;
  rec.trade_id = p.id;
  rec.coin = std::string_view(coins_.name(coin));
  rec.reason = reason;
  rec.exit_price = f.price;
  rec.exit_mark = mark;
  rec.exit_fill = f.basis;
  rec.best_price = p.best_price;
  rec.exit_ms = ts_ms;
  rec.fees_usd = t.fees_usd;
  rec.pnl_usd = t.pnl_usd;
  rec.balance_after = balance_;
  rec.strategy_id = p.strategy_id;
  sink_.submit(std::move(rec));
}

void Sniper::finish_condition(const ArmedCondition& c, ConditionStatus status, std::string_view reason,
                              std::int64_t ts_ms) {
  sink_.submit(ConditionFinished{c.id, status, reason, ts_ms, c.strategy_id});
}

template <typename Pred>
std::size_t Sniper::finish_where(Pred pred, ConditionStatus status, std::string_view reason, std::int64_t ts_ms) {
  // Timer and control path, not the tick path: allocating here is fine.
  std::size_t n = 0;
  for (const ArmedBook::Slot slot : book_.in_arming_order()) {
    if (!pred(book_.at(slot))) continue;
    finish_condition(book_.at(slot), status, reason, ts_ms);
    book_.remove(slot);
    ++n;
  }
  return n;
}

SweepResult Sniper::sweep(std::int64_t now_ms) {
  SweepResult r;
  if (!TimeFormat::in_range(now_ms)) return r;  // no clock reads so: nothing to judge by
  // Only coins whose earliest valid_until has passed are looked at: a sweep
  // that expires nothing costs O(coins), not O(armed), on the io thread.
  for (const ArmedBook::Slot slot : book_.expired(now_ms)) {
    finish_condition(book_.at(slot), ConditionStatus::Expired, "valid_until passed", now_ms);
    book_.remove(slot);
    ++r.expired;
  }
  counters_.expired += r.expired;

  // Time limits on coins that went quiet: in opening order across coins, at
  // each coin's exit fill for its last trade price. They wait while trading
  // is paused, like every exit (design.md §4.1).
  if (trading_enabled_) {
    struct Due {
      std::uint64_t seq;
      CoinId coin;
      TradeId id;
    };
    std::vector<Due> due;
    for (CoinId coin = 0; coin < positions_.size(); ++coin) {
      if (last_price_[coin] <= 0.0) continue;  // no price to close at yet
      for (const auto& op : positions_[coin])
        if (const auto limit = op.position.time_limit_ms(); limit && now_ms >= *limit)
          due.push_back(Due{op.seq, coin, op.position.id});
    }
    std::sort(due.begin(), due.end(), [](const Due& a, const Due& b) { return a.seq < b.seq; });
    for (const Due& d : due) {
      auto& open = positions_[d.coin];
      const auto it = std::find_if(open.begin(), open.end(), [&](const auto& op) { return op.position.id == d.id; });
      close(d.coin, static_cast<std::size_t>(it - open.begin()), last_price_[d.coin], ExitReason::TimeLimit, now_ms);
      ++r.time_limited;
    }
  }

  persist_bests(now_ms, BestsDue::OnSchedule);
  return r;
}

void Sniper::persist_best_prices(std::int64_t now_ms) {
  persist_bests(now_ms, BestsDue::All);
}

void Sniper::persist_bests(std::int64_t now_ms, BestsDue due) {
  for (auto& per_coin : positions_)
    for (auto& op : per_coin)
      if (op.position.best_price != op.persisted_best &&
          (due == BestsDue::All || now_ms - op.persisted_ms >= best_price_persist_ms)) {
        sink_.submit(BestPriceUpdate{op.position.id, op.position.best_price, now_ms});
        op.persisted_best = op.position.best_price;
        op.persisted_ms = now_ms;
      }
}

bool Sniper::cancel(std::string_view condition_id, std::string_view reason) {
  const auto slot = book_.find(condition_id);
  if (!slot) return false;
  finish_condition(book_.at(*slot), ConditionStatus::Cancelled, reason, clock_.now_ms());
  book_.remove(*slot);
  return true;
}

std::size_t Sniper::cancel_all(std::string_view reason) {
  return finish_where([](const ArmedCondition&) { return true; }, ConditionStatus::Cancelled, reason, clock_.now_ms());
}

bool Sniper::close_position(std::string_view trade_id, ExitReason reason) {
  for (CoinId coin = 0; coin < positions_.size(); ++coin) {
    auto& open = positions_[coin];
    for (std::size_t i = 0; i < open.size(); ++i) {
      if (open[i].position.id == trade_id) {
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
  std::vector<const OpenPosition*> all;
  for (const auto& per_coin : positions_)
    for (const auto& op : per_coin) all.push_back(&op);
  std::sort(all.begin(), all.end(), [](const auto* a, const auto* b) { return a->seq < b->seq; });
  std::vector<Position> out;
  out.reserve(all.size());
  for (const auto* op : all) out.push_back(op->position);
  return out;
}

std::vector<ArmedCondition> Sniper::active_conditions() const {
  std::vector<ArmedCondition> out;
  out.reserve(book_.size());
  for (const ArmedBook::Slot slot : book_.in_arming_order()) out.push_back(book_.at(slot));
  return out;
}

std::optional<double> Sniper::last_price(CoinId coin) const {
  if (coin >= last_price_.size() || last_price_[coin] <= 0.0) return std::nullopt;
  return last_price_[coin];
}

std::optional<Quote> Sniper::quote(CoinId coin) const {
  if (coin >= quotes_.size() || (!quotes_[coin].has_bid && !quotes_[coin].has_ask && quotes_[coin].ts_ms == 0))
    return std::nullopt;
  return quotes_[coin];
}

std::string_view Sniper::oco_group_name(std::uint32_t oco) const {
  return book_.group_name(oco);
}

}  // namespace tradingd
