// Any line of a session recording's chunk (design.md §11) into SessionFormat, as
// `--replay-session` reads it: either an input, whose text (arm, refuse, ...)
// parses or is refused with std::invalid_argument, or the reason the line is
// malformed. A line that parses is written again and must read back the same,
// and the recorder's SessionLineWriter must write it to the same bytes (twice
// in a row: the second time from the numbers it kept).
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "tradingd/record/session_format.hpp"
#include "tradingd/record/session_line_writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tradingd;
  if (size > SessionFormat::max_line_bytes) return 0;  // the reader refuses longer lines first
  const std::string line(reinterpret_cast<const char*>(data), size);
  if (line.find('\n') != std::string::npos) return 0;  // one line
  SessionInput in;
  std::string_view coin;
  if (SessionFormat::parse(line, in, coin)) return 0;
  try {
    std::string origin;
    if (in.kind == SessionInput::Kind::Arm)
      (void)SessionFormat::parse_arm(in.text, origin);
    else if (!in.text.empty())
      (void)SessionFormat::parse_fields(in.text);
  } catch (const std::invalid_argument&) {
  }
  // Written again (coins by name), it reads back as the same input.
  const std::vector<std::string> names = {std::string(coin)};
  SessionInput again = in;
  again.coin = 0;
  std::string out;
  SessionFormat::append(again, names, out);
  SessionLineWriter writer(names);
  std::string first, second;
  writer.append(again, first);
  writer.append(again, second);
  if (first != out || second != out) std::abort();
  SessionInput back;
  std::string_view back_coin;
  if (SessionFormat::parse(std::string_view(out).substr(0, out.size() - 1), back, back_coin)) std::abort();
  if (back.kind != in.kind || back.now_ms != in.now_ms || back_coin != coin || back.text != in.text) std::abort();
  if (in.kind == SessionInput::Kind::Tick || in.kind == SessionInput::Kind::Quote || in.kind == SessionInput::Kind::Gap)
    if (back.ts_ms != in.ts_ms || back.has_a != in.has_a || back.has_b != in.has_b) std::abort();
  return 0;
}
