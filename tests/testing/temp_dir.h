#pragma once

#include <string>

namespace edgeid::testing {

// A fresh directory under $TMPDIR, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads or writes a whole file; aborts the test on failure.
std::string ReadTestFile(const std::string& path);
void WriteTestFile(const std::string& path, const std::string& content);

}  // namespace edgeid::testing
