#ifndef WARDEN_COMMON_CLOCK_H_
#define WARDEN_COMMON_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace warden {

// Where Warden reads the time. Injected everywhere so tests control it.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual int64_t NowMicros() const = 0;
};

// The system's real-time clock.
class SystemClock : public Clock {
 public:
  int64_t NowMicros() const override;
  // A process-wide instance.
  static const Clock* Get();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_micros = 1'700'000'000'000'000) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t now_micros) { now_.store(now_micros, std::memory_order_relaxed); }
  void AdvanceSeconds(int64_t s) { now_.fetch_add(s * 1'000'000, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

inline constexpr int64_t kMicrosPerSecond = 1'000'000;

}  // namespace warden

#endif  // WARDEN_COMMON_CLOCK_H_
