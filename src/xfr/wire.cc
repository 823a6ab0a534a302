#include "xfr/wire.h"

#include "dns/skip_name.h"
#include "dns/types.h"

namespace dnsedge::xfr {
namespace {

inline uint16_t rd16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

using dns::skip_name;

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

}  // namespace

size_t question_end(std::span<const uint8_t> m) noexcept {
  if (m.size() < dns::kHeaderSize || rd16(m.data() + 4) != 1) return 0;
  const size_t n = skip_name(m, dns::kHeaderSize);
  if (n == 0 || n + 4 > m.size()) return 0;
  // The question name must not be compressed (nothing precedes it to point at).
  for (size_t i = dns::kHeaderSize; i < n - 1;) {
    if (m[i] & 0xC0) return 0;
    i += 1 + m[i];
  }
  return n + 4;
}

MessageWriter::MessageWriter(uint16_t id, uint16_t flags, std::string_view question, std::string_view apex,
                             size_t max)
    : id_(id), flags_(flags), question_(question), apex_(apex), max_(max) {
  buf_.reserve(max_);
  start();
}

void MessageWriter::start() {
  buf_.clear();
  ancount_ = 0;
  put16(buf_, id_);
  put16(buf_, flags_);
  put16(buf_, question_.empty() ? 0 : 1);
  put16(buf_, 0);
  put16(buf_, 0);
  put16(buf_, 0);
  buf_.insert(buf_.end(), question_.begin(), question_.end());
}

bool MessageWriter::add(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
  // Owner: the labels above the apex, then a pointer to the question name (offset 12), which
  // is the apex; names outside the apex (never in a valid zone) are written in full.
  size_t prefix = owner.size();
  bool pointer = false;
  if (!question_.empty() && owner.size() >= apex_.size() &&
      owner.substr(owner.size() - apex_.size()) == apex_) {
    // Make sure the split falls on a label boundary.
    size_t i = 0;
    while (i < owner.size() - apex_.size()) i += 1 + static_cast<uint8_t>(owner[i]);
    if (i == owner.size() - apex_.size()) {
      prefix = i;
      pointer = true;
    }
  }
  const size_t need = prefix + (pointer ? 2 : 0) + 10 + rdata.size();
  if (buf_.size() + need > max_ || rdata.size() > 0xFFFF) return false;
  buf_.insert(buf_.end(), owner.begin(), owner.begin() + static_cast<std::ptrdiff_t>(prefix));
  if (pointer) put16(buf_, 0xC000 | dns::kHeaderSize);
  put16(buf_, type);
  put16(buf_, dns::rrclass::kIN);
  put16(buf_, static_cast<uint16_t>(ttl >> 16));
  put16(buf_, static_cast<uint16_t>(ttl));
  put16(buf_, static_cast<uint16_t>(rdata.size()));
  buf_.insert(buf_.end(), rdata.begin(), rdata.end());
  ++ancount_;
  return true;
}

std::vector<uint8_t> MessageWriter::take() {
  buf_[6] = static_cast<uint8_t>(ancount_ >> 8);
  buf_[7] = static_cast<uint8_t>(ancount_);
  std::vector<uint8_t> out = std::move(buf_);
  buf_ = {};
  buf_.reserve(max_);
  start();
  return out;
}

std::vector<uint8_t> error_reply(std::span<const uint8_t> q, uint8_t rcode) {
  const size_t qend = question_end(q);
  if (qend == 0) {
    if (q.size() < dns::kHeaderSize) return {};
    std::vector<uint8_t> out(q.begin(), q.begin() + dns::kHeaderSize);
    out[2] = static_cast<uint8_t>(0x80 | (q[2] & 0x79));
    out[3] = rcode & 0xF;
    for (int i = 4; i < 12; ++i) out[i] = 0;
    return out;
  }
  std::vector<uint8_t> out(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(qend));
  out[2] = static_cast<uint8_t>(0x80 | (q[2] & 0x79));  // QR, opcode and RD kept
  out[3] = rcode & 0xF;
  out[4] = 0;
  out[5] = 1;
  for (int i = 6; i < 12; ++i) out[i] = 0;
  return out;
}

}  // namespace dnsedge::xfr
