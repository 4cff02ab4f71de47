#pragma once
// ReferenceModel: design.md §4 (with §4.1-§4.4) written a second time, as plainly
// as possible and without sharing code with the Sniper or the domain types'
// helpers, so property tests can compare the two on thousands of random paths.
// Slow on purpose (linear scans, strings, one global list per kind).

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd::test {

struct ModelEvent {
  std::string kind;  // OPENED, CLOSED, EXPIRED, REJECTED, CANCELLED
  std::string id;    // condition id (EXPIRED, REJECTED, CANCELLED) or trade id
  std::string reason;
  double price = 0.0;  // the fill (OPENED, CLOSED)
  double pnl = 0.0;
  double balance = 0.0;
  std::int64_t ts = 0;
  std::string fill;   // trade, bid or ask (OPENED, CLOSED)
  double mark = 0.0;  // the trade price that decided (OPENED, CLOSED)
};

struct ModelQuote {
  bool has_bid = false, has_ask = false;
  double bid = 0.0, ask = 0.0;
};

class ReferenceModel {
 public:
  ReferenceModel(RiskSettings risk, PaperSettings paper)
      : risk_(risk), paper_(paper), balance_(paper.initial_balance) {}

  void arm(const TradeCondition& c) { active_.push_back(c); }

  // A best bid/ask at `ts` (tick time is the clock).
  void quote(const std::string& coin, const ModelQuote& q, std::int64_t ts) {
    auto ok = [](bool has, double v) { return !has || (std::isfinite(v) && v > 0); };
    if (!ok(q.has_bid, q.bid) || !ok(q.has_ask, q.ask) || (q.has_bid && q.has_ask && q.bid > q.ask)) return;
    quotes_[coin] = {q, ts};
  }

  // A trade at `ts`, with the clock at `ts` too.
  void tick(const std::string& coin, double price, std::int64_t ts) {
    if (std::isnan(price) || std::isinf(price) || price <= 0) return;
    last_price_[coin] = price;
    // exits first, in opening order
    for (std::size_t i = 0; i < open_.size();) {
      Pos& p = open_[i];
      if (p.coin != coin) {
        ++i;
        continue;
      }
      const bool lng = p.dir == "LONG";
      if (lng && price > p.best) p.best = price;
      if (!lng && price < p.best) p.best = price;
      std::optional<double> trail;
      if (p.trail > 0) {
        const bool active = lng ? p.best >= p.entry * (1 + p.activation) : p.best <= p.entry * (1 - p.activation);
        if (active) trail = lng ? p.best * (1 - p.trail) : p.best * (1 + p.trail);
      }
      std::optional<double> stop;
      bool trailing = false;
      if (p.sl && trail) {
        const bool trail_tighter = lng ? *trail > *p.sl : *trail < *p.sl;
        stop = trail_tighter ? trail : p.sl;
        trailing = trail_tighter;
      } else if (trail) {
        stop = trail;
        trailing = true;
      } else if (p.sl) {
        stop = p.sl;
      }
      std::string reason;
      if (stop && (lng ? price <= *stop : price >= *stop))
        reason = trailing ? "TRAILING_STOP" : "STOP_LOSS";
      else if (p.tp && (lng ? price >= *p.tp : price <= *p.tp))
        reason = "TAKE_PROFIT";
      else if (p.max_hold > 0 && ts >= p.entry_ms + p.max_hold)
        reason = "TIME_LIMIT";
      if (reason.empty()) {
        ++i;
        continue;
      }
      close_at(i, price, reason, ts, ts);
    }
    // then entries, in arming order; a condition cancelled by its OCO group
    // earlier on this tick is no longer in the active list
    std::vector<std::string> ids;
    for (const auto& c : active_)
      if (c.coin == coin) ids.push_back(c.id);
    for (const auto& id : ids) {
      std::size_t i = 0;
      while (i < active_.size() && active_[i].id != id) ++i;
      if (i == active_.size()) continue;
      const TradeCondition c = active_[i];
      if (ts > c.valid_until_ms) {
        events.push_back({"EXPIRED", c.id, "valid_until passed", 0, 0, 0, ts, "", 0});
        active_.erase(active_.begin() + static_cast<long>(i));
        continue;
      }
      const bool hit = c.trigger_type == TriggerType::Above ? price >= c.trigger_price : price <= c.trigger_price;
      if (!hit) continue;
      active_.erase(active_.begin() + static_cast<long>(i));
      int on_coin = 0;
      double exposure = 0;
      for (const auto& p : open_) {
        exposure += p.size;
        if (p.coin == coin) ++on_coin;
      }
      std::string reject;
      if (risk_.cooldown_after_stop_ms > 0 && losing_stop_.count(coin) &&
          ts - losing_stop_[coin] < risk_.cooldown_after_stop_ms)
        reject = "cooldown";
      else if (static_cast<int>(open_.size()) >= risk_.max_positions)
        reject = "max_positions";
      else if (on_coin >= risk_.max_position_per_coin)
        reject = "max_position_per_coin";
      else if (exposure + c.position_size_usd > risk_.max_exposure_pct * balance_ + 1e-9)
        reject = "max_exposure";
      else if (exposure + c.position_size_usd > balance_)
        reject = "insufficient_balance";
      if (!reject.empty()) {
        events.push_back({"REJECTED", c.id, reject, 0, 0, 0, ts, "", 0});
        continue;
      }
      Pos p;
      p.id = "T-" + c.id;
      p.coin = coin;
      p.dir = c.direction == Direction::Long ? "LONG" : "SHORT";
      const auto [e, basis] = fill(coin, p.dir == "LONG", price, ts);
      p.size = c.position_size_usd;
      p.entry = e;
      p.qty = c.position_size_usd / e;
      p.entry_ms = ts;
      const bool lng = p.dir == "LONG";
      if (c.stop_loss_pct > 0) p.sl = lng ? e * (1 - c.stop_loss_pct) : e * (1 + c.stop_loss_pct);
      if (c.take_profit_pct > 0) p.tp = lng ? e * (1 + c.take_profit_pct) : e * (1 - c.take_profit_pct);
      p.trail = c.trailing_stop_pct.value_or(0);
      p.activation = c.trailing_activation_pct.value_or(0);
      p.max_hold = c.max_hold_ms.value_or(0);
      p.best = e;
      open_.push_back(p);
      events.push_back({"OPENED", p.id, "", e, 0, 0, ts, basis, price});
      if (!c.oco_group.empty()) {
        // every other ACTIVE member of the group, on any coin, in arming order
        for (std::size_t k = 0; k < active_.size();) {
          if (active_[k].oco_group == c.oco_group) {
            events.push_back({"CANCELLED", active_[k].id, "oco:" + c.id, 0, 0, 0, ts, "", 0});
            active_.erase(active_.begin() + static_cast<long>(k));
          } else {
            ++k;
          }
        }
      }
    }
  }

  // The once-a-second sweep at `now` (the clock at `now` too).
  void sweep(std::int64_t now) {
    for (std::size_t i = 0; i < active_.size();) {
      if (now > active_[i].valid_until_ms) {
        events.push_back({"EXPIRED", active_[i].id, "valid_until passed", 0, 0, 0, now, "", 0});
        active_.erase(active_.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
    for (std::size_t i = 0; i < open_.size();) {
      const Pos& p = open_[i];
      if (p.max_hold > 0 && now >= p.entry_ms + p.max_hold && last_price_.count(p.coin)) {
        close_at(i, last_price_[p.coin], "TIME_LIMIT", now, now);
      } else {
        ++i;
      }
    }
  }

  void cancel_all(std::int64_t now) {
    for (const auto& c : active_) events.push_back({"CANCELLED", c.id, "shutdown", 0, 0, 0, now, "", 0});
    active_.clear();
  }

  [[nodiscard]] double balance() const { return balance_; }
  [[nodiscard]] std::vector<std::string> open_ids() const {
    std::vector<std::string> ids;
    for (const auto& p : open_) ids.push_back(p.id);
    return ids;
  }
  // The best price an open trade has seen, by trade id.
  [[nodiscard]] std::map<std::string, double> open_best() const {
    std::map<std::string, double> out;
    for (const auto& p : open_) out[p.id] = p.best;
    return out;
  }
  [[nodiscard]] std::size_t active_count() const { return active_.size(); }

  std::vector<ModelEvent> events;

 private:
  struct Pos {
    std::string id, coin, dir;
    double size = 0, entry = 0, qty = 0;
    std::optional<double> sl, tp;
    double trail = 0, activation = 0, best = 0;
    std::int64_t max_hold = 0, entry_ms = 0;
  };
  struct Slot {
    ModelQuote q;
    std::int64_t ts = 0;
  };

  // design.md §4.4: the ask for a buy, the bid for a sell, when fill_on is
  // "quote" and the quote is no older than max_quote_age_ms; else the trade
  // price. Then slippage against the trader.
  std::pair<double, std::string> fill(const std::string& coin, bool buy, double mark, std::int64_t now) {
    double price = mark;
    std::string basis = "trade";
    if (paper_.fill_on == FillOn::Quote && quotes_.count(coin)) {
      const Slot& s = quotes_[coin];
      if (now - s.ts <= paper_.max_quote_age_ms) {
        if (buy && s.q.has_ask) {
          price = s.q.ask;
          basis = "ask";
        } else if (!buy && s.q.has_bid) {
          price = s.q.bid;
          basis = "bid";
        }
      }
    }
    const double slip = paper_.slippage_bps / 10000.0;
    return {buy ? price * (1 + slip) : price * (1 - slip), basis};
  }

  void close_at(std::size_t i, double mark, const std::string& reason, std::int64_t ts, std::int64_t now) {
    const Pos p = open_[i];
    open_.erase(open_.begin() + static_cast<long>(i));
    const bool lng = p.dir == "LONG";
    const auto [x, basis] = fill(p.coin, !lng, mark, now);
    const double entry_fee = p.size * paper_.fee_pct;
    const double exit_fee = p.qty * x * paper_.fee_pct;
    const double gross = lng ? p.qty * (x - p.entry) : p.qty * (p.entry - x);
    const double pnl = gross - entry_fee - exit_fee;
    balance_ += pnl;
    if ((reason == "STOP_LOSS" || reason == "TRAILING_STOP") && pnl < 0)
      losing_stop_[p.coin] = losing_stop_.count(p.coin) ? std::max(losing_stop_[p.coin], ts) : ts;
    events.push_back({"CLOSED", p.id, reason, x, pnl, balance_, ts, basis, mark});
  }

  RiskSettings risk_;
  PaperSettings paper_;
  double balance_;
  std::vector<TradeCondition> active_;  // in arming order
  std::vector<Pos> open_;               // in opening order
  std::map<std::string, double> last_price_;
  std::map<std::string, Slot> quotes_;
  std::map<std::string, std::int64_t> losing_stop_;
};

}  // namespace tradingd::test
