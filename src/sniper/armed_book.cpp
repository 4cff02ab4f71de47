#include "tradingd/sniper/armed_book.hpp"

#include <algorithm>

namespace tradingd {

namespace {

// The order each side keeps, the next to fire at the back: ABOVE descending,
// BELOW ascending by trigger.
struct SideOrder {
  bool above;
  bool operator()(const ArmedBook::Entry& x, const ArmedBook::Entry& y) const {
    return above ? x.trigger > y.trigger : x.trigger < y.trigger;
  }
};

}  // namespace

ArmedBook::ArmedBook(std::size_t coins) : books_(coins), groups_(1) {}

ArmedBook::Slot ArmedBook::add(ArmedCondition c, std::string_view oco_group) {
  release_emptied_groups();
  c.oco = intern(oco_group);
  Slot slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    pool_[slot] = c;
  } else {
    slot = static_cast<Slot>(pool_.size());
    pool_.push_back(c);
    in_use_.push_back(0);
    free_slots_.reserve(pool_.capacity());
  }
  in_use_[slot] = 1;
  ++size_;
  Book& b = books_[c.coin];
  const bool above = c.trigger_type == TriggerType::Above;
  std::vector<Entry>& side = above ? b.above : b.below;
  const Entry e{c.trigger_price, slot};
  side.insert(std::upper_bound(side.begin(), side.end(), e, SideOrder{above}), e);
  b.earliest_expiry = std::min(b.earliest_expiry, c.valid_until_ms);
  if (c.oco != 0) groups_[c.oco].members.push_back(slot);
  return slot;
}

void ArmedBook::remove(Slot slot) {
  if (!armed(slot)) return;
  const ArmedCondition& c = pool_[slot];
  Book& b = books_[c.coin];
  const bool above = c.trigger_type == TriggerType::Above;
  std::vector<Entry>& side = above ? b.above : b.below;
  // Fired entries sit at the back; anything else is found among its equal triggers.
  auto it = side.end() - 1;
  if (it->slot != slot) {
    const auto [lo, hi] = std::equal_range(side.begin(), side.end(), Entry{c.trigger_price, slot}, SideOrder{above});
    it = std::find_if(lo, hi, [slot](const Entry& e) { return e.slot == slot; });
  }
  side.erase(it);
  if (c.oco != 0) {
    auto& members = groups_[c.oco].members;
    members.erase(std::find(members.begin(), members.end(), slot));
    if (members.empty()) {
      emptied_groups_.push_back(c.oco);
      --live_groups_;
    }
  }
  in_use_[slot] = 0;
  free_slots_.push_back(slot);
  --size_;
}

void ArmedBook::collect_expired(Book& b, std::int64_t ts_ms, std::vector<Slot>& out) const {
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (const auto* side : {&b.above, &b.below})
    for (const Entry& e : *side) {
      const ArmedCondition& c = pool_[e.slot];
      if (c.expired_at(ts_ms))
        out.push_back(e.slot);
      else
        earliest = std::min(earliest, c.valid_until_ms);
    }
  b.earliest_expiry = earliest;
}

void ArmedBook::sort_by_seq(std::vector<Slot>& slots, std::size_t from) const {
  std::sort(slots.begin() + static_cast<std::ptrdiff_t>(from), slots.end(),
            [this](Slot x, Slot y) { return pool_[x].seq < pool_[y].seq; });
}

void ArmedBook::due(CoinId coin, double price, std::int64_t ts_ms, std::vector<Slot>& out) {
  Book& b = books_[coin];
  const std::size_t first = out.size();
  // Some condition may have expired: every entry of the coin is looked at once.
  const bool expiry = ts_ms > b.earliest_expiry;
  if (expiry) collect_expired(b, ts_ms, out);
  for (std::size_t i = b.above.size(); i-- > 0 && price >= b.above[i].trigger;)
    if (!expiry || !pool_[b.above[i].slot].expired_at(ts_ms)) out.push_back(b.above[i].slot);
  for (std::size_t i = b.below.size(); i-- > 0 && price <= b.below[i].trigger;)
    if (!expiry || !pool_[b.below[i].slot].expired_at(ts_ms)) out.push_back(b.below[i].slot);
  sort_by_seq(out, first);
}

std::vector<ArmedBook::Slot> ArmedBook::expired(std::int64_t now_ms) {
  std::vector<Slot> out;
  for (Book& b : books_)
    if (now_ms > b.earliest_expiry) collect_expired(b, now_ms, out);
  sort_by_seq(out, 0);
  return out;
}

std::vector<ArmedBook::Slot> ArmedBook::in_arming_order() const {
  std::vector<Slot> out;
  out.reserve(size_);
  for (Slot s = 0; s < in_use_.size(); ++s)
    if (in_use_[s]) out.push_back(s);
  sort_by_seq(out, 0);
  return out;
}

std::optional<ArmedBook::Slot> ArmedBook::find(std::string_view id) const {
  for (Slot s = 0; s < in_use_.size(); ++s)
    if (in_use_[s] && pool_[s].id == id) return s;
  return std::nullopt;
}

std::uint32_t ArmedBook::intern(std::string_view group) {
  if (group.empty()) return 0;
  const auto found = group_ids_.find(std::string(group));
  if (found != group_ids_.end()) return found->second;  // emptied groups were released by add()
  std::uint32_t id;
  if (!free_groups_.empty()) {
    id = free_groups_.back();
    free_groups_.pop_back();
  } else {
    id = static_cast<std::uint32_t>(groups_.size());
    groups_.emplace_back();
    emptied_groups_.reserve(groups_.capacity());
    free_groups_.reserve(groups_.capacity());
  }
  groups_[id].name.assign(group);
  group_ids_.emplace(groups_[id].name, id);
  ++live_groups_;
  return id;
}

void ArmedBook::release_emptied_groups() {
  for (const std::uint32_t id : emptied_groups_) {
    Group& g = groups_[id];
    group_ids_.erase(g.name);
    g.name.clear();
    free_groups_.push_back(id);
  }
  emptied_groups_.clear();
}

}  // namespace tradingd
