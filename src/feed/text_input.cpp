#include "tradingd/feed/text_input.hpp"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <unzip.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/input_file.hpp"
#include "tradingd/domain/text_guard.hpp"

namespace tradingd {

// Gzip and zip members inflate with ISA-L's igzip (Debian's libisal): about
// three times zlib's speed, which is what lets a replay of archives keep up
// with the parser. minizip reads the zip structure and hands over the raw
// deflate data; the CRC-32 and size of every member are checked here.
struct TextInput::State {
  std::FILE* file = nullptr;  // Plain, Gzip
  unzFile zip = nullptr;      // Zip
  bool zip_member_open = false;
  bool zip_stored = false;       // method 0: the raw bytes are the text
  std::uint32_t zip_crc = 0;     // the member's CRC-32 by the central directory
  ZPOS64_T zip_expected = 0;     // and its size
  ZPOS64_T zip_read = 0;         // text handed out so far
  std::uint32_t stored_crc = 0;  // of a stored member, as it is read
  bool input_end = false;        // no more compressed bytes
  bool member_done = true;       // Gzip: between members
  bool any_member = false;
  std::vector<std::uint8_t> in;  // compressed bytes read ahead
  inflate_state inflate{};
  std::string text;  // Memory
  std::size_t text_pos = 0;
  std::string name;  // for messages

  // Inflation on a thread of its own, a few blocks ahead of the reader: the
  // parse on the io thread and the inflate beside it, on the second core.
  // The worker owns the file and the inflater from start() to its end; the
  // two threads share only the blocks, under `m`.
  struct Prefetch {
    std::thread worker;
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::vector<char>> ready;   // inflated, in order
    std::vector<std::vector<char>> spare;  // read out, for the worker to fill again
    bool finished = false;                 // the worker reached the end, or the error below
    bool stop = false;
    std::optional<std::string> error;
    std::vector<char> current;  // the reader's block (reader only)
    std::size_t pos = 0;
  };
  std::unique_ptr<Prefetch> prefetch;

  [[noreturn]] void fail(const std::string& message) const { throw ConfigError({name + ": " + message}); }

  ~State() {
    if (prefetch) {
      {
        std::lock_guard lock(prefetch->m);
        prefetch->stop = true;
      }
      prefetch->cv.notify_all();
      prefetch->worker.join();
    }
    if (file) std::fclose(file);
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

// Compressed bytes read at a time: big enough that inflation runs in long strides.
constexpr std::size_t compressed_buffer_bytes = 64 * 1024;

std::string isal_error(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
      return "an invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "an invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "an invalid back-reference";
    case ISAL_INVALID_WRAPPER:
      return "an invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "a compression method other than deflate";
    case ISAL_INCORRECT_CHECKSUM:
      return "a CRC that does not match its data";
    default:
      return "error " + std::to_string(code);
  }
}

}  // namespace

TextInput::TextInput(std::string name, Container c)
    : name_(std::move(name)), container_(c), state_(std::make_unique<State>()) {
  state_->name = name_;
}
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
    in.state_->file = std::fopen(path.c_str(), "rb");
    if (!in.state_->file) in.fail(std::string("cannot open replay file: ") + std::strerror(errno));
    in.state_->in.resize(compressed_buffer_bytes);
    in.start_prefetch();
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
    // Raw: minizip hands over the member's bytes as stored, deflate data for method 8.
    int method = 0, level = 0;
    if (unzOpenCurrentFile2(s.zip, &method, &level, 1) != UNZ_OK)
      in.fail("truncated or damaged zip archive (cannot open its member)");
    s.zip_member_open = true;
    s.zip_stored = method == 0;
    s.zip_crc = static_cast<std::uint32_t>(member.crc);
    s.zip_expected = member.uncompressed_size;
    s.in.resize(compressed_buffer_bytes);
    isal_inflate_init(&s.inflate);
    s.inflate.crc_flag = ISAL_GZIP_NO_HDR;  // raw deflate; the CRC-32 of the text kept in inflate.crc
    in.start_prefetch();
    return in;
  }
  TextInput in{name, Container::Plain};
  in.state_->file = std::fopen(path.c_str(), "rb");
  if (!in.state_->file) in.fail(std::string("cannot open replay file: ") + std::strerror(errno));
  return in;
}

// Refills the compressed bytes once the inflater has taken them all.
namespace {

bool refill(std::FILE* file, std::vector<std::uint8_t>& buf, inflate_state& st, bool& input_end) {
  if (st.avail_in > 0 || input_end) return true;
  const std::size_t got = std::fread(buf.data(), 1, buf.size(), file);
  if (got == 0) {
    if (std::ferror(file)) return false;
    input_end = true;
  }
  st.next_in = buf.data();
  st.avail_in = static_cast<std::uint32_t>(got);
  return true;
}

std::size_t read_gzip(TextInput::State& s, char* dst, std::size_t n) {
  inflate_state& st = s.inflate;
  for (;;) {
    if (!refill(s.file, s.in, st, s.input_end)) s.fail(std::string("cannot read: ") + std::strerror(errno));
    if (s.member_done) {
      // Between members: the end of the file, or the next member (a
      // concatenation of gzip files is one gzip file).
      if (st.avail_in == 0 && s.input_end) return 0;
      if (st.avail_in > 0 && st.next_in[0] == 0 && s.any_member) {
        // Zero padding after the last member (tape and some tools): skipped, if zero to the end.
        while (st.avail_in > 0 && st.next_in[0] == 0) {
          ++st.next_in;
          --st.avail_in;
        }
        continue;
      }
      isal_inflate_reset(&st);
      st.crc_flag = ISAL_GZIP;  // header parsed, CRC and size in the trailer checked
      s.member_done = false;
      s.any_member = true;
    }
    st.next_out = reinterpret_cast<std::uint8_t*>(dst);
    st.avail_out = static_cast<std::uint32_t>(std::min<std::size_t>(n, 1U << 30));
    const std::uint32_t before = st.avail_out;
    const int rc = isal_inflate(&st);
    if (rc < 0) s.fail("damaged gzip data: " + isal_error(rc));
    const std::size_t produced = before - st.avail_out;
    if (st.block_state == ISAL_BLOCK_FINISH) s.member_done = true;
    if (produced > 0) return produced;
    if (!s.member_done && st.avail_in == 0 && s.input_end)
      // The input ended inside a gzip member (a cut download, a copy still
      // being written): never an early end of data (design.md §10).
      s.fail("the gzip data is truncated (it ends inside a compressed stream)");
  }
}

std::size_t read_zip(TextInput::State& s, char* dst, std::size_t n) {
  if (!s.zip_member_open) return 0;
  inflate_state& st = s.inflate;
  const auto finish = [&] {
    s.zip_member_open = false;
    const std::uint32_t crc = s.zip_stored ? s.stored_crc : st.crc;
    if (s.zip_read != s.zip_expected)
      s.fail("damaged zip archive (its member ends after " + std::to_string(s.zip_read) + " of " +
             std::to_string(s.zip_expected) + " bytes)");
    if (crc != s.zip_crc) s.fail("damaged zip archive (its member fails the CRC check)");
    if (unzCloseCurrentFile(s.zip) != UNZ_OK) s.fail("damaged zip archive (closing its member)");
  };
  const auto more = [&]() -> std::size_t {
    const int got = unzReadCurrentFile(s.zip, s.in.data(), static_cast<unsigned>(s.in.size()));
    if (got < 0)
      s.fail(got == UNZ_ERRNO
                 ? std::string("cannot read: ") + std::strerror(errno)
                 : "truncated or damaged zip archive (error " + std::to_string(got) + " reading its member)");
    return static_cast<std::size_t>(got);
  };
  if (s.zip_stored) {
    const std::size_t want = std::min<std::size_t>(n, s.in.size());
    const int got = unzReadCurrentFile(s.zip, dst, static_cast<unsigned>(want));
    if (got < 0) s.fail("truncated or damaged zip archive (error " + std::to_string(got) + " reading its member)");
    if (got == 0) {
      finish();
      return 0;
    }
    s.stored_crc =
        crc32_gzip_refl(s.stored_crc, reinterpret_cast<const unsigned char*>(dst), static_cast<std::uint64_t>(got));
    s.zip_read += static_cast<ZPOS64_T>(got);
    if (s.zip_read > s.zip_expected) s.fail("damaged zip archive (its member is longer than the archive says)");
    return static_cast<std::size_t>(got);
  }
  for (;;) {
    if (st.block_state == ISAL_BLOCK_FINISH) {
      finish();
      return 0;
    }
    if (st.avail_in == 0 && !s.input_end) {
      const std::size_t got = more();
      if (got == 0) s.input_end = true;
      st.next_in = s.in.data();
      st.avail_in = static_cast<std::uint32_t>(got);
    }
    st.next_out = reinterpret_cast<std::uint8_t*>(dst);
    st.avail_out = static_cast<std::uint32_t>(std::min<std::size_t>(n, 1U << 30));
    const std::uint32_t before = st.avail_out;
    const int rc = isal_inflate(&st);
    if (rc < 0) s.fail("damaged zip data: " + isal_error(rc));
    const std::size_t produced = before - st.avail_out;
    s.zip_read += produced;
    if (s.zip_read > s.zip_expected) s.fail("damaged zip archive (its member is longer than the archive says)");
    if (produced > 0) return produced;
    if (st.block_state != ISAL_BLOCK_FINISH && st.avail_in == 0 && s.input_end)
      s.fail("truncated or damaged zip archive (its member's data ends early)");
  }
}

}  // namespace

namespace {

constexpr std::size_t prefetch_block_bytes = 64 * 1024;
constexpr int prefetch_blocks = 4;

void prefetch_loop(TextInput::State& s, TextInput::Container c) {
  auto& p = *s.prefetch;
  for (;;) {
    std::vector<char> block;
    {
      std::unique_lock lock(p.m);
      p.cv.wait(lock, [&] { return p.stop || !p.spare.empty(); });
      if (p.stop) return;
      block = std::move(p.spare.back());
      p.spare.pop_back();
    }
    block.resize(prefetch_block_bytes);
    std::size_t filled = 0;
    bool end = false;
    std::optional<std::string> error;
    try {
      while (filled < block.size()) {
        const std::size_t got = c == TextInput::Container::Gzip
                                    ? read_gzip(s, block.data() + filled, block.size() - filled)
                                    : read_zip(s, block.data() + filled, block.size() - filled);
        if (got == 0) {
          end = true;
          break;
        }
        filled += got;
      }
    } catch (const ConfigError& e) {
      error = e.errors().front();
      end = true;
    } catch (const std::exception& e) {
      error = s.name + ": " + e.what();
      end = true;
    }
    block.resize(filled);
    {
      std::lock_guard lock(p.m);
      if (filled > 0) p.ready.push_back(std::move(block));
      if (end) {
        p.finished = true;
        p.error = std::move(error);
      }
    }
    p.cv.notify_all();
    if (end) return;
  }
}

}  // namespace

void TextInput::start_prefetch() {
  State& s = *state_;
  s.prefetch = std::make_unique<State::Prefetch>();
  for (int i = 0; i < prefetch_blocks; ++i) s.prefetch->spare.emplace_back().reserve(prefetch_block_bytes);
  s.prefetch->worker = std::thread([&s, c = container_] { prefetch_loop(s, c); });
}

std::size_t TextInput::read_prefetched(char* dst, std::size_t n) {
  auto& p = *state_->prefetch;
  if (p.pos == p.current.size()) {
    std::unique_lock lock(p.m);
    if (p.current.capacity() > 0) {
      p.spare.push_back(std::move(p.current));
      p.current = {};
      p.cv.notify_all();
    }
    p.cv.wait(lock, [&] { return !p.ready.empty() || p.finished; });
    if (p.ready.empty()) {
      if (p.error) throw ConfigError({*p.error});
      return 0;
    }
    p.current = std::move(p.ready.front());
    p.ready.pop_front();
    p.pos = 0;
  }
  const std::size_t got = std::min(n, p.current.size() - p.pos);
  std::memcpy(dst, p.current.data() + p.pos, got);
  p.pos += got;
  return got;
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
    case Container::Gzip:
    case Container::Zip:
      return s.prefetch                      ? read_prefetched(dst, n)
             : container_ == Container::Gzip ? read_gzip(s, dst, n)
                                             : read_zip(s, dst, n);
  }
  return 0;
}

}  // namespace tradingd
