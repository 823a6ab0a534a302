#pragma once
// The response writer of the answer engine: a fixed buffer, RFC 1035 §4.1.4 name compression,
// mark/rollback so that an RRset is written whole or not at all. Allocation-free.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dns/name.h"

namespace dnsedge::auth {

inline constexpr int kComprEntries = 96;

inline void wr16(uint8_t* p, uint16_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void wr32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// Response writer over a fixed buffer with RFC 1035 §4.1.4 name compression. Every RRset is
// written whole or not at all (mark/rollback), so a truncated answer never holds half an RRset.
class Writer {
 public:
  Writer(uint8_t* buf, size_t limit) noexcept : buf_(buf), limit_(limit) {}

  size_t size() const noexcept { return len_; }
  uint8_t* data() noexcept { return buf_; }
  size_t limit() const noexcept { return limit_; }

  struct Mark {
    size_t len;
    int entries;
  };
  Mark mark() const noexcept { return {len_, entries_}; }
  void rollback(Mark m) noexcept {
    len_ = m.len;
    entries_ = m.entries;
  }

  bool put(const void* p, size_t n) noexcept {
    if (len_ + n > limit_) return false;
    std::memcpy(buf_ + len_, p, n);
    len_ += n;
    return true;
  }

  // Registers `name` (lowercase, uncompressed) as written at `offset`, suffix by suffix.
  void remember(const uint8_t* name, size_t offset) noexcept {
    while (*name != 0 && offset < 0x3fff && entries_ < kComprEntries) {
      const size_t n = dns::name_length(name);
      tab_[entries_++] = Entry{name, static_cast<uint16_t>(n), static_cast<uint16_t>(offset)};
      offset += *name + 1;
      name += *name + 1;
    }
  }

  // Writes `name` (lowercase, uncompressed), compressed against names written before.
  // Returns an offset a later pointer can use for the same name (where it starts, or where the
  // earlier copy is when all of it compressed to one pointer), or -1 when it does not fit.
  long put_name(const uint8_t* name, bool compress = true) noexcept {
    const size_t start = len_;
    const uint8_t* p = name;
    size_t prefix = 0;  // bytes of literal labels before the compression point
    int match = -1;
    if (compress) {
      for (; *p != 0; p += *p + 1) {
        const size_t n = dns::name_length(p);
        for (int i = 0; i < entries_; ++i) {
          if (tab_[i].len == n && std::memcmp(tab_[i].name, p, n) == 0) {
            match = i;
            break;
          }
        }
        if (match >= 0) break;
        prefix += *p + 1;
      }
    } else {
      prefix = dns::name_length(name) - 1;
    }
    if (match >= 0) {
      if (len_ + prefix + 2 > limit_) return -1;
      std::memcpy(buf_ + len_, name, prefix);
      len_ += prefix;
      const uint16_t off = tab_[match].offset;
      buf_[len_++] = static_cast<uint8_t>(0xC0 | (off >> 8));
      buf_[len_++] = static_cast<uint8_t>(off & 0xff);
      if (prefix == 0) return off;
    } else {
      if (len_ + prefix + 1 > limit_) return -1;
      std::memcpy(buf_ + len_, name, prefix);
      len_ += prefix;
      buf_[len_++] = 0;
    }
    // Remember the literal part (its suffixes up to the compression point).
    for (const uint8_t* q = name; q != p && *q != 0 && entries_ < kComprEntries; q += *q + 1) {
      const size_t off = start + static_cast<size_t>(q - name);
      if (off >= 0x3fff) break;
      tab_[entries_++] = Entry{q, static_cast<uint16_t>(dns::name_length(q)), static_cast<uint16_t>(off)};
    }
    return static_cast<long>(start);
  }

  bool put_pointer(size_t offset) noexcept {
    if (len_ + 2 > limit_) return false;
    buf_[len_++] = static_cast<uint8_t>(0xC0 | (offset >> 8));
    buf_[len_++] = static_cast<uint8_t>(offset & 0xff);
    return true;
  }

 private:
  struct Entry {
    const uint8_t* name;
    uint16_t len;
    uint16_t offset;
  };
  uint8_t* buf_;
  size_t limit_;
  size_t len_ = 0;
  Entry tab_[kComprEntries];
  int entries_ = 0;
};

}  // namespace dnsedge::auth
