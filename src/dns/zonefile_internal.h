#pragma once
// What the zone-file parser (zonefile.cc) and the rdata code (zonefile_rdata.cc: names inside
// rdata, rdata shape checks, printing) share. Internal to dns/.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

extern "C" {
#include <libknot/descriptor.h>
#include <libzscanner/scanner.h>
}

namespace dnsedge::dns::zonefile_internal {

// The comment that carries a record's tags ("; cf_tags=a,b").
inline constexpr std::string_view kTagKey = "cf_tags=";

inline const uint8_t* as_u8(const char* p) noexcept { return reinterpret_cast<const uint8_t*>(p); }
inline const char* as_chars(const uint8_t* p) noexcept { return reinterpret_cast<const char*>(p); }

inline char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Owns a zscanner context (about 200 KiB, so on the heap) and deinitializes it.
class Scanner {
 public:
  Scanner() : s_(std::make_unique_for_overwrite<zs_scanner_t>()) {}
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;
  ~Scanner() {
    if (initialized_) zs_deinit(s_.get());
  }

  bool init(const std::string& origin_text, uint32_t default_ttl) {
    initialized_ = true;
    return zs_init(s_.get(), origin_text.c_str(), KNOT_CLASS_IN, default_ttl) == 0;
  }
  // Directory that relative $INCLUDE paths are resolved against.
  bool set_include_dir(const std::string& dir) {
    char* copy = ::strdup(dir.c_str());
    if (copy == nullptr) return false;
    std::free(s_->path);
    s_->path = copy;
    return true;
  }
  zs_scanner_t* operator->() const noexcept { return s_.get(); }
  zs_scanner_t* get() const noexcept { return s_.get(); }

 private:
  std::unique_ptr<zs_scanner_t> s_;
  bool initialized_ = false;
};

// Length of the uncompressed wire name at the start of `wire`, or 0 when it is not one.
size_t wire_name_length(std::string_view wire) noexcept;
// Lowercases the ASCII letters of the labels of the wire name at bytes[pos, pos + len).
void lowercase_name_at(std::string& bytes, size_t pos, size_t len) noexcept;
// Presentation form with RFC 1035 §5.1 escapes, absolute ("example.com."); nullopt when `wire`
// is not exactly one well-formed uncompressed name.
std::optional<std::string> wire_to_text(std::string_view wire);
// The origin's presentation form ("." for the root or an empty origin).
std::optional<std::string> origin_to_text(std::string_view origin);

// Lowercases the names embedded in `rdata` of `type` (located with libknot's descriptors).
void lowercase_rdata_names(uint16_t type, std::string& rdata);
// Whether `data` has exactly the shape the rdata of `type` must have, and the reason given
// when it has not.
bool well_formed_rdata(uint16_t type, const char* data, size_t len);
std::string malformed_reason(uint16_t type);

}  // namespace dnsedge::dns::zonefile_internal
