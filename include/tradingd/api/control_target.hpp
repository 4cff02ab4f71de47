#pragma once
// ControlTarget: what the control API may see and do of a running daemon.
// TradingSystem (app/) implements it, so api/ depends on the layers below it
// and on this interface only, never on the wiring above it. Every member is
// for the io thread.

#include <optional>

#include "tradingd/domain/trade_condition.hpp"

namespace tradingd {

class Clock;
class CoinTable;
class FeedSupervisor;
class Sniper;
class TradeJournal;
struct Settings;

class ControlTarget {
 public:
  [[nodiscard]] virtual Sniper& sniper() = 0;
  [[nodiscard]] virtual TradeJournal& journal() = 0;
  [[nodiscard]] virtual const CoinTable& coins() const = 0;
  [[nodiscard]] virtual const Settings& settings() const = 0;
  [[nodiscard]] virtual const Clock& clock() const = 0;
  // nullptr outside service mode.
  [[nodiscard]] virtual const FeedSupervisor* feeds() const = 0;
  // Arms a validated condition (the same path as the conditions file); the
  // broken rule when refused.
  virtual std::optional<FieldError> inject_condition(const TradeCondition& condition) = 0;
  // The operator's kill switch: no new entries while halted (exits go on); audited.
  virtual void set_halted(bool halted) = 0;

 protected:
  ~ControlTarget() = default;
};

}  // namespace tradingd
