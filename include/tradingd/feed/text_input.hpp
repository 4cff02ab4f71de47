#pragma once
// TextInput: the decompressed bytes of one replay file, streamed (design.md §10
// "Containers"): plain text, gzip (any number of members) or a zip holding
// one file (its structure read by minizip, Debian's libminizip; deflate
// inflated by ISA-L's igzip, Debian's libisal). The container is told by the
// file's first bytes, never trusted from its name, and a name ending in `.gz`
// or `.zip` must hold that container. Memory stays at the libraries' own
// buffers whatever the file's size. A damaged or truncated container, or a
// read error, throws ConfigError naming the file: never an early end of data.
//
// One thread at a time calls it (the io thread during a replay, main at
// start-up). A gzip or zip file is inflated by a thread of its own, four
// 64 KiB blocks ahead, which owns the file until the TextInput is destroyed;
// an error it meets reaches the reader after every block before it.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tradingd {

class TextInput {
 public:
  enum class Container { Plain, Gzip, Zip, Memory };

  // Opens `path` (a regular file). Throws ConfigError naming it.
  [[nodiscard]] static TextInput open(const std::filesystem::path& path);
  // Text in memory (tests, fuzzing); `name` labels messages.
  [[nodiscard]] static TextInput from_text(std::string text, std::string_view name);

  TextInput(TextInput&&) noexcept;
  TextInput& operator=(TextInput&&) noexcept;
  ~TextInput();

  // Up to `n` bytes into `dst`; 0 only at the end of the data. Throws
  // ConfigError for damaged or truncated data and read errors.
  std::size_t read(char* dst, std::size_t n);

  // A compressed container's damage found by reading on (up to `max_bytes`)
  // to its checks: the message read() would throw there, or nullopt. Asked
  // when a row is malformed, since damaged data inflates to garbled rows
  // before the CRC at the member's end can tell.
  [[nodiscard]] std::optional<std::string> damage(std::size_t max_bytes);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] Container container() const { return container_; }
  // The zip member's name ("" for other containers).
  [[nodiscard]] const std::string& member() const { return member_; }

  struct State;  // the container's library handles (text_input.cpp)

 private:
  TextInput(std::string name, Container c);
  [[noreturn]] void fail(const std::string& message) const;
  void start_prefetch();
  std::size_t read_prefetched(char* dst, std::size_t n);

  std::string name_;
  Container container_;
  std::string member_;
  std::unique_ptr<State> state_;
};

}  // namespace tradingd
