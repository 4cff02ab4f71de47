#pragma once
// JournalLock: one tradingd per journal. Two daemons writing one database
// would each trade on a balance the other changes; the second is refused at
// start-up. An advisory flock(2) on "<db>.lock", held for the process's life
// and released by the kernel even after kill -9, so a crash never leaves a
// stale lock behind. The file holds the owner's pid, for the message.

#include <filesystem>

namespace tradingd {

class JournalLock {
 public:
  // Throws std::runtime_error naming the database and the holder's pid.
  explicit JournalLock(const std::filesystem::path& db_path);
  ~JournalLock();
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace tradingd
