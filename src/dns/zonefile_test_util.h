#pragma once
// Helpers of the zone-file tests (zonefile_test.cc, zonefile_format_test.cc).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "dns/types.h"
#include "dns/zonefile.h"

namespace dnsedge::dns::zonefile_testing {

// Test helpers: wire names from plain dotted text (no escapes) and bytes from hex.
inline std::string wire(std::string_view text) {
  std::string out;
  if (text == ".") return std::string(1, '\0');
  while (!text.empty()) {
    const size_t dot = text.find('.');
    const std::string_view label = text.substr(0, dot);
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  out.push_back('\0');
  return out;
}

inline std::string hex(std::string_view digits) {
  std::string out;
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  int pending = -1;
  for (char c : digits) {
    if (c == ' ') continue;
    if (pending < 0) {
      pending = nibble(c);
    } else {
      out.push_back(static_cast<char>(pending * 16 + nibble(c)));
      pending = -1;
    }
  }
  return out;
}

inline std::string u16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }
inline std::string u32(uint32_t v) {
  return u16(static_cast<uint16_t>(v >> 16)) + u16(static_cast<uint16_t>(v));
}
inline std::string cstr(std::string_view s) { return static_cast<char>(s.size()) + std::string(s); }

inline const std::string kOrigin = wire("example.com.");

inline ZoneText parse_ok(std::string_view text, std::string_view origin = kOrigin) {
  auto zone = parse_zone_text(text, origin, "test.zone");
  if (!zone) {
    ADD_FAILURE() << "unexpected error: " << zone.error().message;
    return {};
  }
  return std::move(zone).value();
}

inline ZoneRecord parse_one(std::string_view text) {
  ZoneText zone = parse_ok(text);
  if (zone.records.size() != 1) {
    ADD_FAILURE() << "expected one record, got " << zone.records.size();
    return {};
  }
  return zone.records[0];
}

inline std::string parse_error(std::string_view text) {
  auto zone = parse_zone_text(text, kOrigin, "test.zone");
  if (zone) {
    ADD_FAILURE() << "expected an error for: " << text;
    return {};
  }
  return zone.error().message;
}

inline void expect_same_records(const std::vector<ZoneRecord>& got, const std::vector<ZoneRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i) + ": " + format_record(want[i]));
    EXPECT_EQ(got[i].owner, want[i].owner);
    EXPECT_EQ(got[i].type, want[i].type);
    EXPECT_EQ(got[i].rclass, want[i].rclass);
    EXPECT_EQ(got[i].ttl, want[i].ttl);
    EXPECT_EQ(got[i].rdata, want[i].rdata);
    EXPECT_EQ(got[i].cf_tags, want[i].cf_tags);
  }
}

// A temporary directory for file tests, removed with its files.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "zonefile_test.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    for (const auto& f : files_) ::unlink(f.c_str());
    ::rmdir(path_.c_str());
  }
  std::string write(const std::string& name, std::string_view content) {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << content;
    files_.push_back(file);
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

}  // namespace dnsedge::dns::zonefile_testing
