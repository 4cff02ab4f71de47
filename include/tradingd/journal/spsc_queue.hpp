#pragma once
// SpscQueue: a bounded, lock-free ring for exactly one producer thread and one
// consumer thread. The journal uses it so the io thread never takes a lock to
// hand over a record. It neither sleeps nor wakes anyone: how the consumer
// waits for data is its owner's business (TradeJournal polls, and is woken
// only when it matters), so a push is a move and a store, never a syscall.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <vector>

namespace tradingd {

template <typename T>
class SpscQueue {
 public:
  explicit SpscQueue(std::size_t capacity_pow2) : slots_(capacity_pow2), mask_(capacity_pow2 - 1) {
    if (capacity_pow2 < 2 || (capacity_pow2 & mask_) != 0)
      throw std::invalid_argument("SpscQueue capacity must be a power of two");
  }

  // Producer only. Moves from `value` only when it succeeds.
  bool try_push(T& value) {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    // The consumer's index is read only when the ring looks full by the copy
    // kept on this side: reading it on every push missed the cache each time
    // the consumer had moved it (most of the enqueue p99).
    if (tail - head_seen_ == slots_.size()) {
      head_seen_ = head_.load(std::memory_order_acquire);
      if (tail - head_seen_ == slots_.size()) return false;
    }
    slots_[tail & mask_] = std::move(value);
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
    out = std::move(slots_[head & mask_]);
    slots_[head & mask_] = T{};  // release what the moved-from value still holds
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Either thread; exact from the producer's or consumer's view of its own index.
  [[nodiscard]] std::size_t size() const {
    return static_cast<std::size_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire));
  }
  [[nodiscard]] std::size_t capacity() const { return slots_.size(); }

 private:
  std::vector<T> slots_;
  const std::size_t mask_;
  alignas(64) std::atomic<std::uint64_t> head_{0};                                  // written by the consumer
  std::uint64_t tail_seen_ = 0;                                                     // the consumer's last look at tail_
  alignas(64) std::atomic<std::uint64_t> tail_{0};                                  // written by the producer
  std::uint64_t head_seen_ = 0;                                                     // the producer's last look at head_
  char pad_[64 - sizeof(std::atomic<std::uint64_t>) - sizeof(std::uint64_t)] = {};  // nothing shares tail_'s line
};

}  // namespace tradingd
