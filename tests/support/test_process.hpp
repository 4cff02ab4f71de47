#pragma once
// TestProcess: runs a real program (tradingd) for integration tests, with its
// stdout and stderr captured to files, and a bounded wait so a hung daemon
// fails the test instead of hanging ctest.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tradingd::test {

class TestProcess {
 public:
  TestProcess(std::vector<std::string> argv, const std::filesystem::path& output_dir, const std::string& name);
  ~TestProcess();  // kills a still-running process
  TestProcess(const TestProcess&) = delete;
  TestProcess& operator=(const TestProcess&) = delete;

  // Exit code (or 128+signal), or nullopt if still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void signal(int signo) const;
  [[nodiscard]] bool running();
  [[nodiscard]] std::string stdout_text() const;
  [[nodiscard]] std::string stderr_text() const;
  [[nodiscard]] int pid() const { return pid_; }

  // Runs to completion (or kills it after `timeout` and reports -1).
  static int run(std::vector<std::string> argv, const std::filesystem::path& output_dir, const std::string& name,
                 std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  int pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_, err_;
};

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& text);

// A fresh folder under the build's temp area, removed at destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace tradingd::test
