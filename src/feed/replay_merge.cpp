#include "tradingd/feed/replay_merge.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "tradingd/config/config_error.hpp"

namespace tradingd {

ReplayMerge::ReplayMerge(ReplayMerge&&) noexcept = default;
ReplayMerge& ReplayMerge::operator=(ReplayMerge&&) noexcept = default;
ReplayMerge::~ReplayMerge() = default;

ReplayMerge::ReplayMerge(const std::vector<std::filesystem::path>& files, const CoinTable& coins,
                         std::string_view quote, std::optional<ArchiveFormat> format)
    : symbols_(std::make_unique<SymbolTable>(coins, quote)) {
  context_ = ArchiveSource::Context{&coins, symbols_.get(), format};
  for (const auto& f : files) probe(f);
  if (heap_.empty()) {
    std::string names;
    for (std::size_t i = 0; i < files.size() && i < 3; ++i) names += (i ? ", " : "") + files[i].string();
    if (files.size() > 3) names += ", ...";
    throw ConfigError({names + ": no ticks" +
                       (skipped_files_.empty() && skipped_rows_.empty() ? "" : " of a configured [trading] coin")});
  }
}

ReplayMerge::ReplayMerge(std::vector<ArchiveSource> sources, const CoinTable& coins, std::string_view quote)
    : symbols_(std::make_unique<SymbolTable>(coins, quote)) {
  context_ = ArchiveSource::Context{&coins, symbols_.get(), std::nullopt};
  entries_.reserve(sources.size());
  for (auto& s : sources) {
    const ArchiveFormat format = s.format();
    std::string name = s.name();
    entries_.push_back(Entry{{}, std::move(name), format, std::move(s), ReplayTick{}});
    Entry& e = entries_.back();
    if (e.source->next_row(e.head)) push(static_cast<std::uint32_t>(entries_.size() - 1));
  }
}

void ReplayMerge::probe(const std::filesystem::path& path) {
  ArchiveSource src = ArchiveSource::open(path, context_);
  if (src.skipped_whole()) {
    spdlog::warn("Replay: skipping {}: its symbol {} is not one of the configured [trading] coins", src.name(),
                 src.file_symbol());
    skipped_files_.push_back(src.name() + " (" + src.file_symbol() + ")");
    return;
  }
  ReplayTick head;
  if (!src.next_row(head)) {
    for (const auto& [sym, n] : src.skipped()) skipped_rows_[sym] += n;
    spdlog::warn("Replay: {} ({}) has no row of a configured coin", src.name(), ArchiveFormats::name(src.format()));
    return;
  }
  // Closed until its first row's turn: its skipped rows are counted again then.
  entries_.push_back(Entry{path, src.name(), src.format(), std::nullopt, head});
  push(static_cast<std::uint32_t>(entries_.size() - 1));
}

void ReplayMerge::push(std::uint32_t index) {
  Key k{entries_[index].head.ts_us, index};
  std::size_t at = heap_.size();
  heap_.push_back(k);
  while (at > 0) {
    const std::size_t parent = (at - 1) / 2;
    if (!k.before(heap_[parent])) break;
    heap_[at] = heap_[parent];
    at = parent;
  }
  heap_[at] = k;
}

void ReplayMerge::sift_down(std::size_t at) {
  const Key k = heap_[at];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * at + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1].before(heap_[child])) ++child;
    if (!heap_[child].before(k)) break;
    heap_[at] = heap_[child];
    at = child;
  }
  heap_[at] = k;
}

void ReplayMerge::activate(Entry& e) {
  e.source.emplace(ArchiveSource::open(e.path, context_));
  ReplayTick first;
  if (!e.source->next_row(first) || first.ts_us != e.head.ts_us)
    throw ConfigError({e.name + ": the file changed while it was being replayed"});
}

void ReplayMerge::retire(Entry& e) {
  if (!e.source) return;
  for (const auto& [sym, n] : e.source->skipped()) skipped_rows_[sym] += n;
  e.source.reset();
}

ReplayMerge::Read ReplayMerge::next(ReplayTick& out) {
  if (refill_) {
    // The top's row went out last call: its next row takes its place (most
    // often it stays on top, one compare), or the source leaves the heap.
    Entry& e = entries_[heap_.front().index];
    const Read r = e.source->next(e.head);
    if (r == Read::Later) return Read::Later;
    refill_ = false;
    if (r == Read::Row) {
      heap_.front().ts_us = e.head.ts_us;
    } else {
      retire(e);
      heap_.front() = heap_.back();
      heap_.pop_back();
    }
    if (!heap_.empty()) sift_down(0);
  }
  if (heap_.empty()) return Read::End;
  Entry& e = entries_[heap_.front().index];
  if (!e.source) activate(e);
  out = e.head;
  refill_ = true;  // its next row is read on the next call, so a bad one stops the replay after this row
  return Read::Row;
}

std::string ReplayMerge::describe() const {
  if (entries_.size() == 1)
    return entries_[0].name + " (" + std::string(ArchiveFormats::name(entries_[0].format)) + ")";
  std::string out = std::to_string(entries_.size()) + " files (";
  bool first = true;
  for (const ArchiveFormat f : ArchiveFormats::all) {
    const auto n = std::count_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.format == f; });
    if (n == 0) continue;
    out += (first ? "" : ", ") + std::to_string(n) + " " + std::string(ArchiveFormats::name(f));
    first = false;
  }
  return out + ")";
}

std::vector<std::string> ReplayMerge::skipped_report() const {
  std::map<std::string, std::uint64_t> rows = skipped_rows_;
  for (const Entry& e : entries_)
    if (e.source)
      for (const auto& [sym, n] : e.source->skipped()) rows[sym] += n;
  std::vector<std::string> out;
  for (const auto& [sym, n] : rows) out.push_back(sym + " " + std::to_string(n) + (n == 1 ? " row" : " rows"));
  for (const auto& f : skipped_files_) out.push_back(f + " whole");
  return out;
}

}  // namespace tradingd
