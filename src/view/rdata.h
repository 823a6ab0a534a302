#pragma once
// Typed reading of the rdata a ZoneView stores: an RRset's RRs are consecutive
// [u16 rdlength][rdata] entries (view/zone_view.h). RdataRange walks them and Rdata reads the
// fields the server needs (a target name, an MX preference, the SOA fields, address bytes), so
// no caller decodes the layout by hand.
//
// Views only: nothing here allocates, so the query path may use all of it. The view's rdata was
// checked when it was compiled (well-formed names, exact field lengths); the accessors rely on
// that and do not check again.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "dns/name.h"
#include "dns/types.h"

namespace dnsedge::view {

// The SOA fields (RFC 1035 §3.3.13); names in wire form, views into the zone.
struct SoaFields {
  std::string_view mname, rname;
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  size_t serial_offset = 0;  // of the serial within the rdata (after the two names)
};

// One RR's rdata.
class Rdata {
 public:
  Rdata() = default;
  Rdata(const uint8_t* data, uint16_t size) noexcept : p_(data), n_(size) {}

  const uint8_t* data() const noexcept { return p_; }
  uint16_t size() const noexcept { return n_; }
  std::string_view bytes() const noexcept { return {reinterpret_cast<const char*>(p_), n_}; }

  // The name an NS, CNAME, PTR, MX, SRV, SVCB or HTTPS record points at (wire, lowercase as
  // compiled); empty for other types.
  std::string_view target(uint16_t type) const noexcept {
    const int off = dns::rdata_target_offset(type);
    if (off < 0 || static_cast<size_t>(off) >= n_) return {};
    return {reinterpret_cast<const char*>(p_ + off), dns::name_length(p_ + off)};
  }
  // Where target(type) starts in the rdata (-1 for types without one).
  static int target_offset(uint16_t type) noexcept { return dns::rdata_target_offset(type); }
  // MX preference (RFC 1035 §3.3.9).
  uint16_t mx_preference() const noexcept { return static_cast<uint16_t>(p_[0] << 8 | p_[1]); }
  // SOA: its two names and five numbers (well formed when serial_offset + 20 == size()).
  SoaFields soa() const noexcept {
    SoaFields f;
    const size_t ml = dns::name_length(p_);
    const size_t rl = dns::name_length(p_ + ml);
    f.mname = {reinterpret_cast<const char*>(p_), ml};
    f.rname = {reinterpret_cast<const char*>(p_ + ml), rl};
    f.serial_offset = ml + rl;
    if (f.serial_offset + 20 > n_) return f;  // malformed: numbers left at zero
    const uint8_t* n = p_ + ml + rl;
    f.serial = rd32(n);
    f.refresh = rd32(n + 4);
    f.retry = rd32(n + 8);
    f.expire = rd32(n + 12);
    f.minimum = rd32(n + 16);
    return f;
  }

 private:
  static uint32_t rd32(const uint8_t* p) noexcept {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
  }
  const uint8_t* p_ = nullptr;
  uint16_t n_ = 0;
};

// Walks `count` entries starting at `first`.
class RdataIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = Rdata;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = Rdata;

  RdataIterator() = default;
  RdataIterator(const uint8_t* entry, uint16_t left) noexcept : p_(entry), left_(left) {}

  Rdata operator*() const noexcept { return Rdata(p_ + 2, static_cast<uint16_t>(p_[0] << 8 | p_[1])); }
  RdataIterator& operator++() noexcept {
    p_ += 2 + (size_t{p_[0]} << 8 | p_[1]);
    --left_;
    return *this;
  }
  RdataIterator operator++(int) noexcept {
    RdataIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const RdataIterator& o) const noexcept { return left_ == o.left_; }

 private:
  const uint8_t* p_ = nullptr;
  uint16_t left_ = 0;
};

// The RRs of one RRset, in their stored (canonical) order.
class RdataRange {
 public:
  RdataRange() = default;
  RdataRange(const uint8_t* first, uint16_t count) noexcept : first_(first), count_(count) {}
  RdataIterator begin() const noexcept { return {first_, count_}; }
  RdataIterator end() const noexcept { return {nullptr, 0}; }
  uint16_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  Rdata front() const noexcept { return *begin(); }

 private:
  const uint8_t* first_ = nullptr;
  uint16_t count_ = 0;
};

}  // namespace dnsedge::view
