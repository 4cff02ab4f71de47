#include "tradingd/feed/line_reader.hpp"

#include <cstring>
#include <utility>

#include "tradingd/config/config_error.hpp"

namespace tradingd {
namespace {

// Room for a whole line behind a partial one, and long strides for the parser;
// small enough that twenty sources of a merge stay far inside the RSS budget.
constexpr std::size_t buffer_bytes = 64 * 1024;
static_assert(buffer_bytes > LineReader::max_long_line_bytes + 4096);

}  // namespace

LineReader::LineReader(TextInput input) : input_(std::move(input)), buf_(buffer_bytes) {}

void LineReader::fail(const std::string& message) const {
  throw ConfigError({name() + ":" + std::to_string(line_no_) + ": " + message});
}

void LineReader::fill() {
  const std::size_t got = input_.read(buf_.data() + end_, buf_.size() - end_);
  end_ += got;
  if (got == 0) eof_ = true;
}

bool LineReader::next(std::string_view& line) {
  for (;;) {
    const char* b = buf_.data() + begin_;
    const std::size_t avail = end_ - begin_;
    const auto* nl = static_cast<const char*>(std::memchr(b, '\n', avail));
    if (nl || (eof_ && avail > 0)) {
      const std::size_t len = nl ? static_cast<std::size_t>(nl - b) : avail;  // the last line may lack '\n'
      ++line_no_;
      if (len > max_line_) fail("the line is longer than " + std::to_string(max_line_) + " bytes");
      line = std::string_view(b, len);
      begin_ += nl ? len + 1 : len;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line_no_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // a UTF-8 byte order mark
      return true;
    }
    if (eof_) return false;
    if (avail > max_line_) {
      // Refused as soon as it passes the limit, while it is being inflated.
      ++line_no_;
      fail("the line is longer than " + std::to_string(max_line_) + " bytes");
    }
    std::memmove(buf_.data(), b, avail);  // the partial line to the front, then more behind it
    begin_ = 0;
    end_ = avail;
    fill();
  }
}

}  // namespace tradingd
