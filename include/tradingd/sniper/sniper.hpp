#pragma once
// Sniper: the trading state and design.md §4's semantics (contract). Armed
// conditions, open positions, each coin's best bid/ask slot and the realised
// balance live here, owned by the io thread: every member function must be
// called on that thread, so nothing here takes a lock.
//
// Hot path: on_price_tick() and on_quote() index per-coin arrays by CoinId,
// allocate nothing, log nothing and never block; decisions leave as journal
// records built from inline strings. A tick that fires and expires nothing
// costs O(1) in the number of armed conditions (ArmedBook). (One bounded
// exception to "allocate nothing": more than `due_reserve` conditions firing on
// one tick, or an OCO group with more than `oco_scratch_reserve` armed
// members, grows a scratch vector once.)

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/fixed_string.hpp"
#include "tradingd/domain/position.hpp"
#include "tradingd/domain/quote.hpp"
#include "tradingd/domain/trade_condition.hpp"
#include "tradingd/sniper/armed_book.hpp"
#include "tradingd/sniper/memory_id_history.hpp"

namespace tradingd {

class Clock;
class RecordSink;
struct RiskSettings;
struct PaperSettings;

// Why a fired condition was refused, in the order the checks run (design.md §4).
enum class RiskReason : std::uint8_t { Cooldown, MaxPositions, MaxPositionPerCoin, MaxExposure, InsufficientBalance };
[[nodiscard]] std::string_view to_string(RiskReason r);

struct SniperCounters {
  std::uint64_t ticks = 0;          // every tick offered, valid or not
  std::uint64_t invalid_ticks = 0;  // dropped: non-finite or non-positive price, unknown coin
  std::uint64_t paused_ticks = 0;   // dropped because trading was paused
  CoinId last_invalid_coin = 0;
  double last_invalid_price = 0.0;
  std::uint64_t triggered = 0;
  std::uint64_t rejected = 0;
  std::uint64_t expired = 0;
  std::uint64_t cancelled_oco = 0;  // cancelled by a sibling of their OCO group opening
  std::uint64_t closed = 0;
  std::uint64_t quotes = 0;                       // best bid/ask updates taken into the quote slots
  std::uint64_t invalid_quotes = 0;               // dropped: a side <= 0 or not finite, or bid > ask
  std::array<std::uint64_t, fill_bases> fills{};  // entry and exit fills, by FillBasis
  std::uint64_t quote_fallbacks = 0;              // fill_on = "quote", but no fresh quote: the trade price
};

// What a sweep did (design.md §4.1).
struct SweepResult {
  std::size_t expired = 0;
  std::size_t time_limited = 0;  // positions closed with TIME_LIMIT
};

class Sniper {
 public:
  static constexpr std::int64_t best_price_persist_ms = 1000;  // design.md §4.2
  static constexpr std::size_t oco_scratch_reserve = 64;
  static constexpr std::size_t due_reserve = 256;

  // `ids`: the history of ids ever armed (JournalIdHistory in the daemon);
  // nullptr keeps one in memory (tests, benchmarks).
  Sniper(const CoinTable& coins, const RiskSettings& risk, const PaperSettings& paper, const Clock& clock,
         RecordSink& sink, IdHistory* ids = nullptr);

  // --- arming and start-up -------------------------------------------------
  // Validates (design.md §3 plus id uniqueness over the journal's lifetime), arms,
  // and journals the condition. Returns the broken rule instead when refused.
  std::optional<FieldError> arm(const TradeCondition& condition);
  // Start-up recovery from the journal; writes no records.
  void restore_balance(double balance) { balance_ = balance; }
  void restore_known_id(const std::string& id) { ids_.add(id); }
  void restore_condition(const TradeCondition& condition);  // already journaled as ACTIVE
  void restore_position(const Position& position);          // already journaled as OPEN, best_price included
  // The last close on `coin` at a loss by STOP_LOSS or TRAILING_STOP (the cooldown's start).
  void restore_losing_stop(CoinId coin, std::int64_t exit_ms);

  // --- the hot path --------------------------------------------------------
  void on_price_tick(CoinId coin, double price, std::int64_t ts_ms);
  // A best bid/ask update for `coin`'s quote slot: it decides fill prices
  // (fill_on = "quote") and never triggers anything. An invalid one is
  // dropped and counted.
  void on_quote(CoinId coin, const Quote& quote);

  // --- timers and control --------------------------------------------------
  // The once-a-second sweep (design.md §4.1) at `now_ms`: expires conditions past
  // valid_until, then, while trading is enabled, closes positions whose time
  // limit is due at their coin's exit fill, in opening order; then persists
  // best prices that improved (at most once a second per position).
  SweepResult sweep(std::int64_t now_ms);
  // Journals every open position's best price that changed since it was last
  // persisted, whenever that was (shutdown).
  void persist_best_prices(std::int64_t now_ms);
  bool cancel(std::string_view condition_id, std::string_view reason);
  std::size_t cancel_all(std::string_view reason);
  // Closes at the coin's exit fill for its last trade price; false if unknown
  // id or no price yet.
  bool close_position(std::string_view trade_id, ExitReason reason);
  // Closes every position that has a last price; returns how many stay open.
  std::size_t close_all(ExitReason reason);
  // The feed's verdict: while false, ticks are dropped (counted) and nothing
  // fires or exits on them (design.md §4: trading paused while the feed is down).
  void set_trading_enabled(bool enabled) { trading_enabled_ = enabled; }
  // The operator's kill switch (control API): while halted no condition fires
  // (they stay armed, and still expire); exits keep acting.
  void set_entries_halted(bool halted) { entries_halted_ = halted; }

  // --- reading state -------------------------------------------------------
  [[nodiscard]] bool trading_enabled() const { return trading_enabled_; }
  [[nodiscard]] bool entries_halted() const { return entries_halted_; }
  // Whether `id` was ever armed in this journal (ids are never reused).
  [[nodiscard]] bool is_known_id(const std::string& id) const { return ids_.contains(id); }
  // Whether `id` is armed now.
  [[nodiscard]] bool is_active(std::string_view id) const { return book_.find(id).has_value(); }
  [[nodiscard]] double balance() const { return balance_; }
  [[nodiscard]] std::size_t open_position_count() const { return open_count_; }
  [[nodiscard]] std::size_t active_condition_count() const { return book_.size(); }
  [[nodiscard]] std::vector<Position> open_positions() const;           // in opening order
  [[nodiscard]] std::vector<ArmedCondition> active_conditions() const;  // in arming order
  [[nodiscard]] std::optional<double> last_price(CoinId coin) const;
  // The coin's quote slot, if it ever held a valid quote (stale or not).
  [[nodiscard]] std::optional<Quote> quote(CoinId coin) const;
  [[nodiscard]] std::string_view oco_group_name(std::uint32_t oco) const;
  // OCO groups with an armed member (a group's name is let go with its last member).
  [[nodiscard]] std::size_t oco_groups_interned() const { return book_.group_count(); }
  // Until when entries on `coin` are refused for cooldown (none when not cooling down at `now_ms`).
  [[nodiscard]] std::optional<std::int64_t> cooldown_until(CoinId coin, std::int64_t now_ms) const;
  [[nodiscard]] const SniperCounters& counters() const { return counters_; }
  [[nodiscard]] const CoinTable& coins() const { return coins_; }

 private:
  // A position with the Sniper's bookkeeping: opening order across coins, and
  // what of its best price the journal already has.
  struct OpenPosition {
    Position position;
    std::uint64_t seq = 0;
    double persisted_best = 0.0;
    std::int64_t persisted_ms = 0;
  };
  // Per coin, the prices and times at which a tick changes none of its open
  // positions (no exit, no new best price): inside it, a tick skips the walk
  // over them. Rebuilt by the walk; a change to the positions spoils it.
  struct ExitBand {
    double above = -inf;             // the price must be above this: LONG stops, SHORT take-profits
    double from = -inf;              // ... at least this: SHORT best prices
    double below = inf;              // ... below this: LONG take-profits, SHORT stops
    double to = inf;                 // ... at most this: LONG best prices
    std::int64_t until = INT64_MAX;  // the time must be before this: time limits
    [[nodiscard]] bool quiet(double p, std::int64_t ts_ms) const {
      return p > above && p >= from && p < below && p <= to && ts_ms < until;
    }
    void spoil() { above = inf; }  // no tick is quiet until the next walk
    static constexpr double inf = std::numeric_limits<double>::infinity();
  };
  struct Fill {
    double price = 0.0;
    FillBasis basis = FillBasis::Trade;
  };
  struct OcoSibling {
    std::uint64_t seq = 0;
    ArmedBook::Slot slot = 0;
  };

  [[nodiscard]] std::optional<RiskReason> risk_check(CoinId coin, double size_usd, std::int64_t ts_ms) const;
  enum class Side : std::uint8_t { Buy, Sell };
  // design.md §4.4: the price a buy or a sell of `coin` fills at when `mark` is the deciding trade price.
  Fill fill(CoinId coin, Side side, double mark);
  void open_position(CoinId coin, const ArmedCondition& c, double mark, std::int64_t ts_ms);
  void rebuild_exit_band(CoinId coin);
  void close(CoinId coin, std::size_t index, double mark, ExitReason reason, std::int64_t ts_ms);
  void finish_condition(const ArmedCondition& c, ConditionStatus status, std::string_view reason, std::int64_t ts_ms);
  // design.md §4.3: the condition in `opener` opened: every other armed member
  // of its group is CANCELLED, in arming order, and leaves the book.
  void cancel_oco_siblings(ArmedBook::Slot opener, std::int64_t ts_ms);
  // Which changed best prices are written: those last written a second ago
  // or more (design.md §4.2), or all of them (shutdown).
  enum class BestsDue : std::uint8_t { OnSchedule, All };
  // Journals each open position's best price that changed since it was last written, when `due`.
  void persist_bests(std::int64_t now_ms, BestsDue due);
  void add_armed(CoinId coin, const TradeCondition& condition);
  // Finishes every armed condition that `pred` selects, across coins, in
  // arming order (so the journal lists them as a user armed them).
  template <typename Pred>
  std::size_t finish_where(Pred pred, ConditionStatus status, std::string_view reason, std::int64_t ts_ms);

  const CoinTable& coins_;
  const RiskSettings& risk_;
  const PaperSettings& paper_;
  const Clock& clock_;
  RecordSink& sink_;

  ArmedBook book_;                                    // the armed conditions
  std::vector<ArmedBook::Slot> due_;                  // reserved: this tick's firing and expired
  std::vector<std::vector<OpenPosition>> positions_;  // by CoinId, in opening order
  std::vector<ExitBand> exit_bands_;                  // by CoinId
  std::vector<double> last_price_;                    // by CoinId; 0 = none yet
  std::vector<Quote> quotes_;                         // by CoinId; the slot fills read
  std::vector<std::int64_t> last_losing_stop_ms_;     // by CoinId; INT64_MIN = none
  std::vector<OcoSibling> oco_scratch_;               // reserved: an OCO cancel does not allocate
  std::unique_ptr<MemoryIdHistory> own_ids_;          // when no history was given
  IdHistory& ids_;                                    // arm path only, never per tick
  double balance_;
  std::size_t open_count_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t next_open_seq_ = 0;
  bool trading_enabled_ = true;
  bool entries_halted_ = false;
  SniperCounters counters_;
};

}  // namespace tradingd
