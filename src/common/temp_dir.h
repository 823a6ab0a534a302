#pragma once
// A directory under the system temp dir that lives as long as the object: tests that need a store
// directory or scratch files use one each. Removed with everything in it on destruction.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace dnsedge::common {

class TempDir {
 public:
  // `prefix` names the directory ("dnsedge-store" → /tmp/dnsedge-store-XXXXXX).
  explicit TempDir(const std::string& prefix = "dnsedge") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace dnsedge::common
