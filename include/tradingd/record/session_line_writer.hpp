#pragma once
// SessionLineWriter: the recorder thread's writer of SessionFormat lines. It
// writes exactly the text SessionFormat::append writes (a unit test holds the
// two to the same bytes), faster for ticks and quotes, which are nearly every
// input: each line is built in a buffer by pointer and appended once, and a
// number equal to the one the line before had in the same place (the clock
// value and exchange time of the trades of one frame; a coin's price, bid or
// ask, which trades repeat) is copied as text instead of formatted again.
// Recorder thread only (it keeps the previous line's numbers).

#include <cstdint>
#include <string>
#include <vector>

#include "tradingd/record/session_input.hpp"

namespace tradingd {

class SessionLineWriter {
 public:
  explicit SessionLineWriter(std::vector<std::string> coin_names);

  // Appends `in` as one line (with its '\n'), as SessionFormat::append does.
  void append(const SessionInput& in, std::string& out);

 private:
  // A number and its text, as last written in one place of a line.
  struct Int {
    std::int64_t value = 0;
    std::uint8_t size = 0;  // 0: nothing written yet
    char text[20] = {};
  };
  struct Real {
    std::uint64_t bits = 0;
    std::uint8_t size = 0;
    char text[32] = {};
  };
  struct CoinPlaces {
    Real price, bid, ask;
  };
  static char* put(Int& cache, std::int64_t v, char* p);
  static char* put(Real& cache, double v, char* p);

  std::vector<std::string> coin_names_;
  std::vector<CoinPlaces> coins_;
  Int now_, ts_;
};

}  // namespace tradingd
