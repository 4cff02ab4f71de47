#include "tradingd/record/session_reader.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tradingd/config/config_error.hpp"
#include "tradingd/record/session_format.hpp"

namespace tradingd {
namespace {

// The recorder ends a member at 1 MiB of text plus a line; anything far
// beyond that is not a recording's member.
constexpr std::size_t max_member_bytes = 64u << 20;
constexpr std::size_t read_block = 64u << 10;

}  // namespace

SessionReader::SessionReader(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec))
    throw ConfigError({dir_.string() + ": not a folder (a session recording is DIR/<start time>/)"});
  for (const char* name : {"config.toml", "base.db"})
    if (!std::filesystem::is_regular_file(dir_ / name, ec))
      throw ConfigError({dir_.string() + ": no " + name + " (not a session recording, or its start was cut short)"});
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("inputs-", 0) == 0 && n.size() > 14 && n.compare(n.size() - 7, 7, ".csv.gz") == 0)
      chunks_.push_back(e.path());
  }
  if (ec) throw ConfigError({dir_.string() + ": " + ec.message()});
  std::sort(chunks_.begin(), chunks_.end());
  if (chunks_.empty()) throw ConfigError({dir_.string() + ": no inputs-NNNN.csv.gz chunk"});
  in_.resize(read_block);
}

SessionReader::~SessionReader() {
  close_chunk();
}

void SessionReader::fail(const std::string& message) const {
  const std::string where = chunk_ ? chunks_[chunk_ - 1].string() : dir_.string();
  throw ConfigError({where + (line_ ? ":" + std::to_string(line_) : std::string()) + ": " + message});
}

void SessionReader::close_chunk() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (z_ready_) inflateEnd(&z_);
  z_ready_ = false;
}

void SessionReader::open_chunk(std::size_t index) {
  close_chunk();
  chunk_ = index + 1;
  line_ = 0;
  member_.clear();
  pos_ = 0;
  eof_ = false;
  fd_ = ::open(chunks_[index].c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(std::string("cannot open: ") + std::strerror(errno));
  z_ = z_stream{};
  if (inflateInit2(&z_, 15 + 16) != Z_OK) fail("zlib: inflateInit2 failed");
  z_ready_ = true;
  z_.avail_in = 0;
}

bool SessionReader::next_member() {
  member_.clear();
  pos_ = 0;
  bool begun = false;  // some byte of this member was read
  unsigned char out[read_block];
  while (true) {
    if (z_.avail_in == 0 && !eof_) {
      ssize_t n;
      do n = ::read(fd_, in_.data(), in_.size());
      while (n < 0 && errno == EINTR);
      if (n < 0) fail(std::string("read error: ") + std::strerror(errno));
      if (n == 0) eof_ = true;
      z_.next_in = in_.data();
      z_.avail_in = static_cast<uInt>(n);
    }
    if (z_.avail_in == 0 && eof_) {
      if (!begun) return false;  // the chunk ended between members
      // A member cut short: only a crash at the very end of a session does that.
      if (chunk_ == chunks_.size()) {
        cut_ = chunks_[chunk_ - 1].string() + ": the last gzip member is cut short (the session was killed); " +
               "its inputs are dropped and the replay ends at the last whole one";
        member_.clear();
        return false;
      }
      line_ = 0;
      fail("truncated gzip member (only the last chunk of a killed session may end so)");
    }
    begun = true;
    z_.next_out = out;
    z_.avail_out = sizeof out;
    const int r = inflate(&z_, Z_NO_FLUSH);
    member_.append(reinterpret_cast<const char*>(out), sizeof out - z_.avail_out);
    if (member_.size() > max_member_bytes) fail("a gzip member inflates beyond 64 MiB: not a recording");
    if (r == Z_STREAM_END) {
      inflateReset(&z_);  // the next member starts with the next byte
      return true;
    }
    if (r != Z_OK && r != Z_BUF_ERROR) {
      line_ = 0;
      fail(std::string("damaged gzip data: ") + (z_.msg ? z_.msg : "zlib error " + std::to_string(r)));
    }
  }
}

bool SessionReader::next_line(std::string_view& line) {
  while (!done_) {
    if (chunk_ == 0) open_chunk(0);
    if (pos_ < member_.size()) {
      const auto nl = member_.find('\n', pos_);
      // The recorder writes whole lines per member.
      if (nl == std::string::npos) fail("a gzip member ends inside a line: not written by tradingd's recorder");
      line = std::string_view(member_).substr(pos_, nl - pos_);
      pos_ = nl + 1;
      ++line_;
      if (line.size() > SessionFormat::max_line_bytes) fail("a line longer than 48 KiB");
      if (line_ == 1) {
        if (line != SessionFormat::magic)
          fail("does not start with '" + std::string(SessionFormat::magic) + "': not a tradingd recording chunk");
        continue;
      }
      return true;
    }
    if (next_member()) continue;
    if (!cut_.empty() || chunk_ == chunks_.size()) {
      close_chunk();
      done_ = true;
      return false;
    }
    open_chunk(chunk_);
  }
  return false;
}

bool SessionReader::next(SessionInput& in, std::string_view& coin) {
  std::string_view line;
  if (!next_line(line)) return false;
  if (const auto err = SessionFormat::parse(line, in, coin)) fail(*err);
  return true;
}

}  // namespace tradingd
