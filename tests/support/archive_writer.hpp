#pragma once
// Writes replay files in the containers the exchanges publish them in: a zip
// holding one file (Binance, data.binance.vision), gzip (Bybit, Tardis), with
// zlib's minizip and zlib, the same libraries a user's unzip and gzip agree with.

#include <unzip.h>
#include <zip.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tradingd::test {

// A zip of `members` (name, text), each deflated.
inline void write_zip(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, std::string>>& members) {
  zipFile z = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  REQUIRE(z != nullptr);
  for (const auto& [name, text] : members) {
    zip_fileinfo info{};
    REQUIRE(zipOpenNewFileInZip64(z, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                  Z_DEFAULT_COMPRESSION, text.size() >= 0xffffffffULL ? 1 : 0) == ZIP_OK);
    REQUIRE(zipWriteInFileInZip(z, text.data(), static_cast<unsigned>(text.size())) == ZIP_OK);
    REQUIRE(zipCloseFileInZip(z) == ZIP_OK);
  }
  REQUIRE(zipClose(z, nullptr) == ZIP_OK);
}

// A zip holding one file named as the zip without ".zip", as Binance publishes them.
inline void write_zip(const std::filesystem::path& path, const std::string& text) {
  std::string member = path.filename().string();
  member.resize(member.size() - 4);
  write_zip(path, {{member, text}});
}

// gzip of `text`, in one member or (members > 1) in that many, as a
// concatenation of gzip files is still one gzip file.
inline void write_gz(const std::filesystem::path& path, const std::string& text, int members = 1) {
  gzFile gz = gzopen(path.c_str(), "wb6");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, text.data(), static_cast<unsigned>(text.size() / static_cast<std::size_t>(members))) >= 0);
  REQUIRE(gzclose(gz) == Z_OK);
  for (int m = 1; m < members; ++m) {
    const std::size_t from = text.size() * static_cast<std::size_t>(m) / static_cast<std::size_t>(members);
    const std::size_t to = text.size() * static_cast<std::size_t>(m + 1) / static_cast<std::size_t>(members);
    gzFile more = gzopen(path.c_str(), "ab6");
    REQUIRE(more != nullptr);
    REQUIRE(gzwrite(more, text.data() + from, static_cast<unsigned>(to - from)) >= 0);
    REQUIRE(gzclose(more) == Z_OK);
  }
}

// `text` as one gzip member, in memory (a gzip file is any number of them).
inline std::string gzip_text(const std::string& text) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace tradingd::test
