#pragma once
// SpscQueue: a bounded, lock-free ring for exactly one producer thread and one
// consumer thread. The journal uses it so the io thread never takes a lock to
// hand over a record. It neither sleeps nor wakes anyone: how the consumer
// waits for data is its owner's business (TradeJournal polls, and is woken
// only when it matters), so a push is a move and a store, never a syscall.
//
// The slots are raw memory, constructed by a push and destroyed by its pop:
// building a ring of 16,384 records up front cost more than the rest of a
// short replay's start-up. prefault() maps the pages in ahead of use.

#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>

namespace tradingd {

template <typename T>
class SpscQueue {
 public:
  explicit SpscQueue(std::size_t capacity_pow2) : capacity_(capacity_pow2), mask_(capacity_pow2 - 1) {
    if (capacity_pow2 < 2 || (capacity_pow2 & mask_) != 0)
      throw std::invalid_argument("SpscQueue capacity must be a power of two");
    slots_.reset(new Slot[capacity_]);  // not constructed, not touched
  }
  ~SpscQueue() {
    for (std::uint64_t i = head_.load(); i != tail_.load(); ++i) slot(i)->~T();
  }
  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  // Any thread, any time: asks the kernel to map the ring's pages now, so the
  // first lap of pushes takes no page faults. Changes no byte; best effort.
  void prefault() noexcept {
#ifdef MADV_POPULATE_WRITE
    const auto page = static_cast<std::uintptr_t>(4096);
    const auto begin = (reinterpret_cast<std::uintptr_t>(slots_.get()) + page - 1) & ~(page - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(slots_.get() + capacity_)) & ~(page - 1);
    if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#endif
  }

  // Producer only. Moves from `value` only when it succeeds.
  bool try_push(T& value) {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    // The consumer's index is read only when the ring looks full by the copy
    // kept on this side: reading it on every push missed the cache each time
    // the consumer had moved it (most of the enqueue p99).
    if (tail - head_seen_ == capacity_) {
      head_seen_ = head_.load(std::memory_order_acquire);
      if (tail - head_seen_ == capacity_) return false;
    }
    ::new (static_cast<void*>(slot(tail))) T(std::move(value));
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Producer only: whether at least `n` items are queued. The consumer's
  // index is read (a cache miss) only when the last look at it says so, and
  // that look is then renewed: a stale one would answer yes for ever.
  [[nodiscard]] bool holds_at_least(std::size_t n) {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_seen_ < n) return false;
    head_seen_ = head_.load(std::memory_order_acquire);
    return tail - head_seen_ >= n;
  }

  // Consumer only.
  bool try_pop(T& out) {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_seen_) {  // likewise: the producer's index only when the copy says empty
      tail_seen_ = tail_.load(std::memory_order_acquire);
      if (head == tail_seen_) return false;
    }
    T* item = slot(head);
    out = std::move(*item);
    item->~T();  // releases what the moved-from value still holds
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Either thread; exact from the producer's or consumer's view of its own index.
  [[nodiscard]] std::size_t size() const {
    return static_cast<std::size_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire));
  }
  [[nodiscard]] std::size_t capacity() const {
    return capacity_;
  }

 private:
  struct Slot {
    alignas(T) std::byte bytes[sizeof(T)];
  };
  T* slot(std::uint64_t i) {
    return std::launder(reinterpret_cast<T*>(slots_[i & mask_].bytes));
  }

  std::unique_ptr<Slot[]> slots_;
  const std::size_t capacity_;
  const std::size_t mask_;
  alignas(64) std::atomic<std::uint64_t> head_{0};                                  // written by the consumer
  std::uint64_t tail_seen_ = 0;                                                     // the consumer's last look at tail_
  alignas(64) std::atomic<std::uint64_t> tail_{0};                                  // written by the producer
  std::uint64_t head_seen_ = 0;                                                     // the producer's last look at head_
  char pad_[64 - sizeof(std::atomic<std::uint64_t>) - sizeof(std::uint64_t)] = {};  // nothing shares tail_'s line
};

}  // namespace tradingd
