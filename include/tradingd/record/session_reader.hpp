#pragma once
// SessionReader: the inputs of one recorded session (design.md §11), in the
// order the live io thread applied them, from the session folder's chunks
// (inputs-NNNN.csv.gz, in order of name). Each gzip member is inflated whole
// and its CRC checked before any of its lines is handed out, so an input is
// either there entirely or not at all. The last chunk may end in a member cut
// by a crash (kill -9): it is dropped with a warning (cut() says so); a cut
// anywhere else, or any damage, is an error naming the file.
//
// One thread (the io thread of a session replay, main at start-up).

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/record/session_input.hpp"

namespace tradingd {

class SessionReader {
 public:
  // Checks that `dir` holds config.toml, base.db and at least one chunk.
  // Throws ConfigError naming what is missing.
  explicit SessionReader(std::filesystem::path dir);
  ~SessionReader();
  SessionReader(const SessionReader&) = delete;
  SessionReader& operator=(const SessionReader&) = delete;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path config_path() const { return dir_ / "config.toml"; }
  [[nodiscard]] std::filesystem::path base_db_path() const { return dir_ / "base.db"; }
  [[nodiscard]] const std::vector<std::filesystem::path>& chunks() const { return chunks_; }

  // The next input into `in` (its coin's name, for ticks and quotes, into
  // `coin`: valid until the next call); false at the end. Throws ConfigError
  // "chunk:line: message" for a malformed line or a damaged chunk.
  bool next(SessionInput& in, std::string_view& coin);

  // The last chunk ended in a cut member (dropped): what the warning says.
  [[nodiscard]] const std::string& cut() const { return cut_; }

 private:
  bool next_line(std::string_view& line);
  bool next_member();  // the next whole member of the open chunk into member_; false at its end
  void open_chunk(std::size_t index);
  void close_chunk();
  [[noreturn]] void fail(const std::string& message) const;

  std::filesystem::path dir_;
  std::vector<std::filesystem::path> chunks_;
  std::size_t chunk_ = 0;  // the open chunk's index + 1 (0: none open yet)
  int fd_ = -1;
  z_stream z_{};
  bool z_ready_ = false;
  std::vector<unsigned char> in_;
  bool eof_ = false;
  std::string member_;  // the last whole member's text
  std::size_t pos_ = 0;
  std::size_t line_ = 0;  // in the open chunk, from 1
  std::string cut_;
  bool done_ = false;
};

}  // namespace tradingd
