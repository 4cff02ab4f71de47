#pragma once
// ReferenceModel: DESIGN §4 written a second time, as plainly as possible and
// without sharing code with the Sniper, so property tests can compare the two
// on thousands of random paths. Slow on purpose (linear scans, strings).

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tradingd/config/settings.hpp"
#include "tradingd/domain/trade_condition.hpp"

namespace tradingd::test {

struct ModelEvent {
  std::string kind;  // OPENED, CLOSED, EXPIRED, REJECTED, CANCELLED
  std::string id;    // condition id (EXPIRED, REJECTED, CANCELLED) or trade id
  std::string reason;
  double price = 0.0;
  double pnl = 0.0;
  double balance = 0.0;
  std::int64_t ts = 0;
};

class ReferenceModel {
 public:
  ReferenceModel(RiskSettings risk, PaperSettings paper)
      : risk_(risk), paper_(paper), balance_(paper.initial_balance) {}

  void arm(const TradeCondition& c) { active_.push_back(c); }

  void tick(const std::string& coin, double price, std::int64_t ts) {
    if (std::isnan(price) || std::isinf(price) || price <= 0) return;
    last_price_.emplace_back(coin, price);
    // exits first, in opening order
    for (std::size_t i = 0; i < open_.size();) {
      Pos& p = open_[i];
      if (p.coin != coin) {
        ++i;
        continue;
      }
      std::string reason;
      if (p.dir == "LONG") {
        if (price <= p.sl)
          reason = "STOP_LOSS";
        else if (price >= p.tp)
          reason = "TAKE_PROFIT";
      } else {
        if (price >= p.sl)
          reason = "STOP_LOSS";
        else if (price <= p.tp)
          reason = "TAKE_PROFIT";
      }
      if (reason.empty()) {
        ++i;
        continue;
      }
      close_at(i, price, reason, ts);
    }
    // then entries, in arming order
    for (std::size_t i = 0; i < active_.size();) {
      const TradeCondition c = active_[i];
      if (c.coin != coin) {
        ++i;
        continue;
      }
      if (ts > c.valid_until_ms) {
        events.push_back({"EXPIRED", c.id, "valid_until passed", 0, 0, 0, ts});
        active_.erase(active_.begin() + static_cast<long>(i));
        continue;
      }
      const bool hit = c.trigger_type == TriggerType::Above ? price >= c.trigger_price : price <= c.trigger_price;
      if (!hit) {
        ++i;
        continue;
      }
      active_.erase(active_.begin() + static_cast<long>(i));
      int on_coin = 0;
      double exposure = 0;
      for (const auto& p : open_) {
        exposure += p.size;
        if (p.coin == coin) ++on_coin;
      }
      std::string reject;
      if (static_cast<int>(open_.size()) >= risk_.max_positions)
        reject = "max_positions";
      else if (on_coin >= risk_.max_position_per_coin)
        reject = "max_position_per_coin";
      else if (exposure + c.position_size_usd > risk_.max_exposure_pct * balance_ + 1e-9)
        reject = "max_exposure";
      else if (exposure + c.position_size_usd > balance_)
        reject = "insufficient_balance";
      if (!reject.empty()) {
        events.push_back({"REJECTED", c.id, reject, price, 0, 0, ts});
        continue;
      }
      Pos p;
      p.id = "T-" + c.id;
      p.coin = coin;
      p.dir = c.direction == Direction::Long ? "LONG" : "SHORT";
      p.size = c.position_size_usd;
      p.entry = price;
      p.qty = c.position_size_usd / price;
      p.sl = p.dir == "LONG" ? price * (1 - c.stop_loss_pct) : price * (1 + c.stop_loss_pct);
      p.tp = p.dir == "LONG" ? price * (1 + c.take_profit_pct) : price * (1 - c.take_profit_pct);
      open_.push_back(p);
      events.push_back({"OPENED", p.id, "", price, 0, 0, ts});
    }
  }

  void sweep(std::int64_t now) {
    for (std::size_t i = 0; i < active_.size();) {
      if (now > active_[i].valid_until_ms) {
        events.push_back({"EXPIRED", active_[i].id, "valid_until passed", 0, 0, 0, now});
        active_.erase(active_.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
  }

  void cancel_all(std::int64_t now) {
    for (const auto& c : active_) events.push_back({"CANCELLED", c.id, "shutdown", 0, 0, 0, now});
    active_.clear();
  }

  [[nodiscard]] double balance() const { return balance_; }
  [[nodiscard]] std::vector<std::string> open_ids() const {
    std::vector<std::string> ids;
    for (const auto& p : open_) ids.push_back(p.id);
    return ids;
  }
  [[nodiscard]] std::size_t active_count() const { return active_.size(); }

  std::vector<ModelEvent> events;

 private:
  struct Pos {
    std::string id, coin, dir;
    double size = 0, entry = 0, qty = 0, sl = 0, tp = 0;
  };

  void close_at(std::size_t i, double price, const std::string& reason, std::int64_t ts) {
    const Pos p = open_[i];
    open_.erase(open_.begin() + static_cast<long>(i));
    const double entry_fee = p.size * paper_.fee_pct;
    const double exit_fee = p.qty * price * paper_.fee_pct;
    const double gross = p.dir == "LONG" ? p.qty * (price - p.entry) : p.qty * (p.entry - price);
    const double pnl = gross - entry_fee - exit_fee;
    balance_ += pnl;
    events.push_back({"CLOSED", p.id, reason, price, pnl, balance_, ts});
  }

  RiskSettings risk_;
  PaperSettings paper_;
  double balance_;
  std::vector<TradeCondition> active_;
  std::vector<Pos> open_;
  std::vector<std::pair<std::string, double>> last_price_;
};

}  // namespace tradingd::test
