#include "tradingd/config/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tradingd/config/config_error.hpp"

namespace tradingd {
namespace {

[[noreturn]] void refuse(const std::filesystem::path& path, std::string_view what, const std::string& why) {
  throw ConfigError({path.string() + ": " + std::string(what) + " " + why});
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// RAII for the one descriptor read() holds.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void InputFile::require_regular(const std::filesystem::path& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw ConfigError({path.string() + ": cannot open " + std::string(what) + ": " + std::strerror(errno)});
  if (!S_ISREG(st.st_mode)) refuse(path, what, "is " + kind_of(st.st_mode) + ", not a regular file");
}

std::string InputFile::read(const std::filesystem::path& path, std::size_t max_bytes, std::string_view what) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) throw ConfigError({path.string() + ": cannot open " + std::string(what) + ": " + std::strerror(errno)});
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) refuse(path, what, std::string("cannot be read: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) refuse(path, what, "is " + kind_of(st.st_mode) + ", not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    refuse(path, what,
           "is " + std::to_string(st.st_size) + " bytes; the limit is " + std::to_string(max_bytes) + " bytes");
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(f.fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse(path, what, std::string("cannot be read: ") + std::strerror(errno));
    if (n == 0) break;  // shrank while being read: parse what is there
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

}  // namespace tradingd
