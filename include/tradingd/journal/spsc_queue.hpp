#pragma once
// SpscQueue: a bounded, lock-free ring for exactly one producer thread and one
// consumer thread. The journal uses it so the io thread never takes a lock to
// hand over a record. The consumer can sleep on it (wait_for_data) and is woken
// by the producer's push through C++20 atomic wait/notify.

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
    if (tail - head_.load(std::memory_order_acquire) == slots_.size()) return false;
    slots_[tail & mask_] = std::move(value);
    tail_.store(tail + 1, std::memory_order_release);
    tail_.notify_one();
    return true;
  }

  // Consumer only.
  bool try_pop(T& out) {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_acquire)) return false;
    out = std::move(slots_[head & mask_]);
    slots_[head & mask_] = T{};  // release what the moved-from value still holds
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer only: sleeps until the queue is non-empty.
  void wait_for_data() const {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    std::uint64_t tail = tail_.load(std::memory_order_acquire);
    while (tail == head) {
      tail_.wait(tail, std::memory_order_acquire);
      tail = tail_.load(std::memory_order_acquire);
    }
  }

  // Either thread; exact from the producer's or consumer's view of its own index.
  [[nodiscard]] std::size_t size() const {
    return static_cast<std::size_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire));
  }
  [[nodiscard]] std::size_t capacity() const { return slots_.size(); }

 private:
  std::vector<T> slots_;
  const std::size_t mask_;
  alignas(64) std::atomic<std::uint64_t> head_{0};  // written by the consumer
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // written by the producer
};

}  // namespace tradingd
