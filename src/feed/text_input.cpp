#include "tradingd/feed/text_input.hpp"

#include <unzip.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/input_file.hpp"
#include "tradingd/domain/text_guard.hpp"

namespace tradingd {

struct TextInput::State {
  std::FILE* file = nullptr;  // Plain
  gzFile gz = nullptr;        // Gzip
  unzFile zip = nullptr;      // Zip
  bool zip_member_open = false;
  ZPOS64_T zip_expected = 0;  // the member's size by the central directory
  ZPOS64_T zip_read = 0;
  std::string text;  // Memory
  std::size_t text_pos = 0;

  ~State() {
    if (file) std::fclose(file);
    if (gz) gzclose(gz);
    if (zip) {
      if (zip_member_open) unzCloseCurrentFile(zip);
      unzClose(zip);
    }
  }
};

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// zlib's gzread buffer: big enough that inflation runs in long strides.
constexpr unsigned gzip_buffer_bytes = 128 * 1024;

}  // namespace

TextInput::TextInput(std::string name, Container c)
    : name_(std::move(name)), container_(c), state_(std::make_unique<State>()) {}
TextInput::TextInput(TextInput&&) noexcept = default;
TextInput& TextInput::operator=(TextInput&&) noexcept = default;
TextInput::~TextInput() = default;

void TextInput::fail(const std::string& message) const {
  throw ConfigError({name_ + ": " + message});
}

TextInput TextInput::from_text(std::string text, std::string_view name) {
  TextInput in{std::string(name), Container::Memory};
  in.state_->text = std::move(text);
  return in;
}

TextInput TextInput::open(const std::filesystem::path& path) {
  InputFile::require_regular(path, "replay file");  // a FIFO or /dev/zero would never end
  const std::string name = path.string();
  // The container by its first bytes: gzip 1f 8b, zip "PK\3\4" (a local file
  // header) or "PK\5\6" (the end record of an empty archive).
  std::array<unsigned char, 4> magic{};
  std::size_t got = 0;
  {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw ConfigError({name + ": cannot open replay file: " + std::strerror(errno)});
    got = std::fread(magic.data(), 1, magic.size(), f);
    std::fclose(f);
  }
  const bool gzip = got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  const bool zip = got == 4 && magic[0] == 'P' && magic[1] == 'K' &&
                   ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6));
  const std::string base = path.filename().string();
  if (ends_with(base, ".gz") && !gzip)
    throw ConfigError({name + ": the name ends in .gz but the file is not gzip-compressed"});
  if (ends_with(base, ".zip") && !zip)
    throw ConfigError({name + ": the name ends in .zip but the file is not a zip archive"});

  if (gzip) {
    TextInput in{name, Container::Gzip};
    in.state_->gz = gzopen(path.c_str(), "rb");
    if (!in.state_->gz) in.fail(std::string("cannot open replay file: ") + std::strerror(errno));
    gzbuffer(in.state_->gz, gzip_buffer_bytes);
    return in;
  }
  if (zip) {
    TextInput in{name, Container::Zip};
    State& s = *in.state_;
    s.zip = unzOpen64(path.c_str());
    // minizip finds the members through the central directory at the end of
    // the file: a cut download has none.
    if (!s.zip) in.fail("truncated or damaged zip archive (its central directory is missing)");
    unz_global_info64 info{};
    if (unzGetGlobalInfo64(s.zip, &info) != UNZ_OK) in.fail("truncated or damaged zip archive (its central directory)");
    if (info.number_entry != 1)
      in.fail("the zip archive holds " + std::to_string(info.number_entry) +
              " files; a replay zip must hold exactly one (unpack it, or give each file)");
    if (unzGoToFirstFile(s.zip) != UNZ_OK) in.fail("truncated or damaged zip archive (its member's entry)");
    unz_file_info64 member{};
    std::array<char, 512> member_name{};
    if (unzGetCurrentFileInfo64(s.zip, &member, member_name.data(), member_name.size() - 1, nullptr, 0, nullptr, 0) !=
        UNZ_OK)
      in.fail("truncated or damaged zip archive (its member's entry)");
    in.member_ = TextGuard::printable(std::string_view(member_name.data()), 200);
    if (in.member_.empty() || in.member_.back() == '/') in.fail("the zip archive's one member is a directory");
    if (member.flag & 1U) in.fail("the zip archive's member is encrypted");
    if (member.compression_method != 0 && member.compression_method != Z_DEFLATED)
      in.fail("the zip archive's member is compressed with method " + std::to_string(member.compression_method) +
              "; only stored and deflate are read");
    if (unzOpenCurrentFile(s.zip) != UNZ_OK) in.fail("truncated or damaged zip archive (cannot open its member)");
    s.zip_member_open = true;
    s.zip_expected = member.uncompressed_size;
    return in;
  }
  TextInput in{name, Container::Plain};
  in.state_->file = std::fopen(path.c_str(), "rb");
  if (!in.state_->file) in.fail(std::string("cannot open replay file: ") + std::strerror(errno));
  return in;
}

std::optional<std::string> TextInput::damage(std::size_t max_bytes) {
  if (container_ != Container::Gzip && container_ != Container::Zip) return std::nullopt;
  std::vector<char> scratch(64 * 1024);
  try {
    for (std::size_t total = 0; total < max_bytes;) {
      const std::size_t got = read(scratch.data(), scratch.size());
      if (got == 0) break;
      total += got;
    }
  } catch (const ConfigError& e) {
    return e.errors().front();
  }
  return std::nullopt;
}

std::size_t TextInput::read(char* dst, std::size_t n) {
  State& s = *state_;
  switch (container_) {
    case Container::Memory: {
      const std::size_t got = std::min(n, s.text.size() - s.text_pos);
      std::memcpy(dst, s.text.data() + s.text_pos, got);
      s.text_pos += got;
      return got;
    }
    case Container::Plain: {
      const std::size_t got = std::fread(dst, 1, n, s.file);
      if (got == 0 && std::ferror(s.file)) fail(std::string("cannot read: ") + std::strerror(errno));
      return got;
    }
    case Container::Gzip: {
      const int got = gzread(s.gz, dst, static_cast<unsigned>(std::min<std::size_t>(n, 1U << 30)));
      int code = Z_OK;
      const char* what = gzerror(s.gz, &code);
      if (got < 0 || (code != Z_OK && code != Z_STREAM_END))
        // Z_BUF_ERROR: the input ended inside a gzip member (a cut download, a
        // copy still being written): never an early end of data (DESIGN §10).
        fail(code == Z_BUF_ERROR ? std::string("the gzip data is truncated (it ends inside a compressed stream)")
             : code == Z_ERRNO   ? std::string("cannot read: ") + std::strerror(errno)
                                 : std::string("damaged gzip data: ") + what);
      return static_cast<std::size_t>(got);
    }
    case Container::Zip: {
      if (!s.zip_member_open) return 0;
      const int got = unzReadCurrentFile(s.zip, dst, static_cast<unsigned>(std::min<std::size_t>(n, 1U << 30)));
      if (got < 0)
        fail(got == UNZ_ERRNO ? std::string("cannot read: ") + std::strerror(errno)
                              : "damaged zip data (error " + std::to_string(got) + " inflating its member)");
      s.zip_read += static_cast<ZPOS64_T>(got);
      if (s.zip_read > s.zip_expected) fail("damaged zip archive (its member is longer than the archive says)");
      if (got == 0) {
        s.zip_member_open = false;
        const int close = unzCloseCurrentFile(s.zip);
        // minizip checks the CRC only once the whole declared size was read.
        if (s.zip_read != s.zip_expected)
          fail("damaged zip archive (its member ends after " + std::to_string(s.zip_read) + " of " +
               std::to_string(s.zip_expected) + " bytes)");
        if (close == UNZ_CRCERROR) fail("damaged zip archive (its member fails the CRC check)");
        if (close != UNZ_OK) fail("damaged zip archive (error " + std::to_string(close) + " closing its member)");
      }
      return static_cast<std::size_t>(got);
    }
  }
  return 0;
}

}  // namespace tradingd
