#pragma once
// ArmedBook: the armed conditions, indexed so that a tick which fires and
// expires nothing costs O(1) however many are armed. Owned by the Sniper, so
// by the io thread; nothing here locks.
//
// Each condition lives in a slot that does not move while it is armed. Per
// coin, ABOVE triggers are kept sorted with the lowest at the back and BELOW
// triggers with the highest at the back, so the next to fire is always a last
// entry: a tick compares its price with two entries and its time with a lower
// bound on the coin's earliest valid_until. Firing k conditions costs their
// O(k log k) ordering by arming and removals near the back; removing from the
// middle (a cancel, an expiry, an OCO sibling) moves the 16-byte entries
// behind it, off the common path.
//
// OCO groups are interned here with their members, so cancelling a group's
// siblings visits the group only, and a group's name is let go once its last
// member leaves (on the next arm: no string is hashed on the tick path).

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tradingd/sniper/armed_condition.hpp"

namespace tradingd {

class ArmedBook {
 public:
  using Slot = std::uint32_t;
  // One armed condition in its coin's index of one side.
  struct Entry {
    double trigger;
    Slot slot;
  };

  explicit ArmedBook(std::size_t coins);

  // Arm path (allocates): `c` with its coin and seq set; its oco is assigned here.
  Slot add(ArmedCondition c, std::string_view oco_group);
  // Any path, the tick path included: allocates nothing, hashes nothing.
  void remove(Slot slot);

  [[nodiscard]] bool armed(Slot slot) const { return slot < in_use_.size() && in_use_[slot] != 0; }
  [[nodiscard]] const ArmedCondition& at(Slot slot) const { return pool_[slot]; }
  [[nodiscard]] std::size_t size() const { return size_; }

  // Tick path, O(1): nothing on `coin` fires at `price` or has expired at `ts_ms`.
  [[nodiscard]] bool quiet(CoinId coin, double price, std::int64_t ts_ms) const {
    const Book& b = books_[coin];
    return (b.above.empty() || price < b.above.back().trigger) && (b.below.empty() || price > b.below.back().trigger) &&
           ts_ms <= b.earliest_expiry;
  }
  // Tick path: appends the slots on `coin` that fire at `price` or have
  // expired at `ts_ms` to `out`, in arming order. Allocates only when `out`
  // outgrows its capacity.
  void due(CoinId coin, double price, std::int64_t ts_ms, std::vector<Slot>& out);

  // Timer path: every slot that has expired at `now_ms` (valid_until passed),
  // in arming order. Looks only at coins whose earliest expiry has passed.
  [[nodiscard]] std::vector<Slot> expired(std::int64_t now_ms);

  // The armed members of OCO group `oco` (invalidated by add and remove).
  [[nodiscard]] std::span<const Slot> group_members(std::uint32_t oco) const { return groups_[oco].members; }
  [[nodiscard]] std::string_view group_name(std::uint32_t oco) const {
    return oco < groups_.size() ? std::string_view(groups_[oco].name) : std::string_view();
  }
  // Groups with an armed member.
  [[nodiscard]] std::size_t group_count() const { return live_groups_; }

  // Control path: every armed slot, in arming order.
  [[nodiscard]] std::vector<Slot> in_arming_order() const;
  // Control path: the armed condition with this id, O(armed).
  [[nodiscard]] std::optional<Slot> find(std::string_view id) const;

 private:
  struct Book {
    std::vector<Entry> above;  // descending trigger: the lowest, next to fire, at the back
    std::vector<Entry> below;  // ascending trigger: the highest, next to fire, at the back
    // No armed condition of the coin expires earlier; exact after a scan in
    // due(), possibly earlier than the truth after removals (one more scan).
    std::int64_t earliest_expiry = std::numeric_limits<std::int64_t>::max();
  };
  struct Group {
    std::string name;
    std::vector<Slot> members;
  };

  // Appends the expired slots of `b` to `out` and makes b.earliest_expiry exact for the rest.
  void collect_expired(Book& b, std::int64_t ts_ms, std::vector<Slot>& out) const;
  void sort_by_seq(std::vector<Slot>& slots, std::size_t from) const;
  std::uint32_t intern(std::string_view group);
  void release_emptied_groups();

  std::vector<ArmedCondition> pool_;
  std::vector<std::uint8_t> in_use_;  // by slot
  std::vector<Slot> free_slots_;      // capacity kept >= pool_.size(): remove() never allocates
  std::vector<Book> books_;           // by CoinId
  std::size_t size_ = 0;

  std::vector<Group> groups_;  // by interned id; [0]: no group
  std::unordered_map<std::string, std::uint32_t> group_ids_;
  std::vector<std::uint32_t> free_groups_;
  std::vector<std::uint32_t> emptied_groups_;  // capacity kept >= groups_.size(); released on the arm path
  std::size_t live_groups_ = 0;
};

}  // namespace tradingd
