// main() for a fuzz target built without libFuzzer (GCC): runs the target once
// on every file named, or in every folder named, so `ctest -L fuzz` replays
// the corpora in any build. A crash or a sanitizer report fails the test; the
// file being run is printed first, so the failing input is named.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::cerr << "running " << p.string() << " (" << bytes.size() << " bytes)\n";
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (arg.string().rfind('-', 0) == 0) continue;  // libFuzzer flags, e.g. -runs=0
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(arg))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) runs += run_file(f);
    } else {
      runs += run_file(arg);
    }
  }
  std::cerr << runs << " inputs ran clean\n";
  return runs > 0 ? 0 : 1;  // an empty corpus is a mistake, not a pass
}
