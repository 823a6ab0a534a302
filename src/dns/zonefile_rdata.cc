#include "dns/zonefile.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "common/unique_fd.h"
#include "dns/types.h"
#include "dns/zonefile_internal.h"

extern "C" {
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libknot/errcode.h>
#include <libknot/rrset-dump.h>
#include <libknot/rrset.h>
#include <libzscanner/scanner.h>
}
namespace dnsedge::dns {
namespace zonefile_internal {

// ---------------------------------------------------------------------------------------------
// Wire names

// Length of the uncompressed wire name at the start of `wire`, or 0 when it is not one.
size_t wire_name_length(std::string_view wire) noexcept {
  if (wire.empty()) return 0;
  const int len =
      knot_dname_wire_check(as_u8(wire.data()), as_u8(wire.data()) + wire.size(), nullptr);
  return len > 0 ? static_cast<size_t>(len) : 0;
}

// Lowercases the ASCII letters of the labels of the wire name at rdata[pos, pos + len).
void lowercase_name_at(std::string& bytes, size_t pos, size_t len) noexcept {
  const size_t end = pos + len;
  while (pos < end) {
    const auto label = static_cast<uint8_t>(bytes[pos]);
    if (label == 0) break;
    for (size_t i = pos + 1; i <= pos + label && i < end; ++i) bytes[i] = ascii_lower(bytes[i]);
    pos += 1 + label;
  }
}

// Presentation form with RFC 1035 §5.1 escapes, absolute ("example.com."); nullopt when `wire`
// is not exactly one well-formed uncompressed name.
std::optional<std::string> wire_to_text(std::string_view wire) {
  if (wire.empty() || wire_name_length(wire) != wire.size()) return std::nullopt;
  std::array<char, KNOT_DNAME_TXT_MAXLEN + 1> buf{};
  if (knot_dname_to_str(buf.data(), as_u8(wire.data()), buf.size()) == nullptr) {
    return std::nullopt;
  }
  return std::string(buf.data());
}

// ---------------------------------------------------------------------------------------------
// Names inside rdata, located with libknot's rdata descriptors.

bool is_dname_block(int block) noexcept {
  return block == KNOT_RDATA_WF_FIXED_DNAME || block == KNOT_RDATA_WF_COMPRESSIBLE_DNAME ||
         block == KNOT_RDATA_WF_DECOMPRESSIBLE_DNAME;
}

// Walks `rdata` along the descriptor of `type`, calling on_name(offset, length) for every
// embedded domain name. Returns true when the rdata has exactly the shape the descriptor
// describes (fixed blocks complete, names well formed, nothing left over).
template <typename OnName>
bool walk_rdata(uint16_t type, std::string_view rdata, OnName&& on_name) {
  const knot_rdata_descriptor_t* desc = knot_get_rdata_descriptor(type);
  if (desc == nullptr) return true;
  const size_t size = rdata.size();
  size_t pos = 0;
  for (int block : desc->block_types) {
    if (block == KNOT_RDATA_WF_END) break;
    if (block > 0) {
      if (size - pos < static_cast<size_t>(block)) return false;
      pos += static_cast<size_t>(block);
    } else if (is_dname_block(block)) {
      const size_t len = wire_name_length(rdata.substr(pos));
      if (len == 0) return false;
      on_name(pos, len);
      pos += len;
    } else if (block == KNOT_RDATA_WF_NAPTR_HEADER) {
      // RFC 3403 §4.1: ORDER, PREFERENCE, then FLAGS, SERVICES, REGEXP character-strings.
      if (size - pos < 4) return false;
      pos += 4;
      for (int i = 0; i < 3; ++i) {
        if (pos >= size) return false;
        const size_t len = static_cast<uint8_t>(rdata[pos]);
        if (size - pos < 1 + len) return false;
        pos += 1 + len;
      }
    } else if (block == KNOT_RDATA_WF_REMAINDER) {
      pos = size;
    } else {
      return false;
    }
  }
  return pos == size;
}

// Lowercases every domain name embedded in `rdata` (RFC 4343: names compare case-insensitively;
// dnsedge stores them lowercase).
void lowercase_rdata_names(uint16_t type, std::string& rdata) {
  (void)walk_rdata(type, rdata,
                   [&](size_t pos, size_t len) { lowercase_name_at(rdata, pos, len); });
  // libknot describes SVCB/HTTPS rdata as one opaque block; its TargetName follows the 2-octet
  // SvcPriority (RFC 9460 §2.2).
  if ((type == rrtype::kSVCB || type == rrtype::kHTTPS) && rdata.size() > 2) {
    const size_t len = wire_name_length(std::string_view(rdata).substr(2));
    if (len > 0) lowercase_name_at(rdata, 2, len);
  }
}

// Bounds-checked cursor over rdata, for the checks below.
class RdataCursor {
 public:
  explicit RdataCursor(std::string_view data) noexcept : data_(data) {}
  size_t left() const noexcept { return data_.size() - pos_; }
  bool skip(size_t n) noexcept {
    if (left() < n) return false;
    pos_ += n;
    return true;
  }
  std::optional<uint8_t> u8() noexcept {
    if (left() < 1) return std::nullopt;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  std::optional<uint16_t> u16() noexcept {
    if (left() < 2) return std::nullopt;
    const auto hi = static_cast<uint8_t>(data_[pos_]);
    const auto lo = static_cast<uint8_t>(data_[pos_ + 1]);
    pos_ += 2;
    return static_cast<uint16_t>(hi << 8 | lo);
  }
  bool name() noexcept {
    const size_t len = wire_name_length(data_.substr(pos_));
    return len > 0 && skip(len);
  }
  std::string_view take(size_t n) noexcept {
    const std::string_view out = data_.substr(pos_, std::min(n, left()));
    pos_ += out.size();
    return out;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// RFC 4034 §4.1.2 type bitmap: windows in increasing order, 1-32 octets each.
bool valid_type_bitmap(RdataCursor& c) {
  int last_window = -1;
  while (c.left() > 0) {
    const auto window = c.u8();
    const auto len = c.u8();
    if (!window || !len || *window <= last_window || *len == 0 || *len > 32 || !c.skip(*len)) {
      return false;
    }
    last_window = *window;
  }
  return true;
}

// RFC 9460 §2.2: SvcParams as key/length/value, keys strictly increasing; the values of the
// keys libknot prints specially must have the shape it expects.
bool valid_svc_params(RdataCursor& c) {
  int last_key = -1;
  while (c.left() > 0) {
    const auto key = c.u16();
    const auto len = c.u16();
    if (!key || !len || static_cast<int>(*key) <= last_key || c.left() < *len) return false;
    last_key = *key;
    RdataCursor value(c.take(*len));
    switch (*key) {
      case 0:  // mandatory: a non-empty list of keys
        if (*len == 0 || *len % 2 != 0) return false;
        break;
      case 1:  // alpn: non-empty list of non-empty character-strings
        if (*len == 0) return false;
        while (value.left() > 0) {
          const auto n = value.u8();
          if (!n || *n == 0 || !value.skip(*n)) return false;
        }
        break;
      case 2:  // no-default-alpn
        if (*len != 0) return false;
        break;
      case 3:  // port
        if (*len != 2) return false;
        break;
      case 4:  // ipv4hint
        if (*len == 0 || *len % 4 != 0) return false;
        break;
      case 5:  // ech
        if (*len == 0) return false;
        break;
      case 6:  // ipv6hint
        if (*len == 0 || *len % 16 != 0) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

// True when libknot's presentation dumper can be given this rdata. libknot 3.2's dumper trusts
// lengths inside the rdata of several types and reads past the end of malformed rdata (found by
// fuzzing with a guard page: KEY, CERT, DS, SSHFP, IPSECKEY, DNSKEY, NSEC3, NSEC3PARAM, TLSA,
// SMIMEA, CDS, CDNSKEY, ZONEMD, SVCB, HTTPS, TSIG, CAA), and libzscanner accepts any octets for
// a known type written in the RFC 3597 form. Anything that fails here is printed in the generic
// "\# len hex" form instead.
bool printable_rdata(uint16_t type, std::string_view rdata) {
  if (!walk_rdata(type, rdata, [](size_t, size_t) {})) return false;
  RdataCursor c(rdata);
  switch (type) {
    case 25:  // KEY
    case rrtype::kDNSKEY:
    case 60:  // CDNSKEY: flags, protocol, algorithm, key
      return c.skip(4) && c.left() > 0;
    case 37:  // CERT: type, key tag, algorithm, certificate
      return c.skip(5) && c.left() > 0;
    case rrtype::kDS:
    case 59:  // CDS: key tag, algorithm, digest type, digest
      return c.skip(4) && c.left() > 0;
    case rrtype::kSSHFP:  // algorithm, type, fingerprint
      return c.skip(2) && c.left() > 0;
    case rrtype::kTLSA:
    case 53:  // SMIMEA: usage, selector, matching type, data
      return c.skip(3) && c.left() > 0;
    case 63:  // ZONEMD: serial, scheme, algorithm, digest
      return c.skip(6) && c.left() > 0;
    case 45: {  // IPSECKEY (RFC 4025 §2)
      if (!c.skip(1)) return false;
      const auto gateway_type = c.u8();
      if (!gateway_type || !c.skip(1)) return false;
      switch (*gateway_type) {
        case 0:
          break;
        case 1:
          if (!c.skip(4)) return false;
          break;
        case 2:
          if (!c.skip(16)) return false;
          break;
        case 3:
          if (!c.name()) return false;
          break;
        default:
          return false;
      }
      return c.left() > 0;
    }
    case rrtype::kNSEC3: {  // RFC 5155 §3.2
      if (!c.skip(4)) return false;
      const auto salt = c.u8();
      if (!salt || !c.skip(*salt)) return false;
      const auto hash = c.u8();
      if (!hash || *hash == 0 || !c.skip(*hash)) return false;
      return valid_type_bitmap(c);
    }
    case 51: {  // NSEC3PARAM (RFC 5155 §4.2)
      if (!c.skip(4)) return false;
      const auto salt = c.u8();
      return salt && c.skip(*salt) && c.left() == 0;
    }
    case rrtype::kNSEC:  // next name, bitmap
      return c.name() && valid_type_bitmap(c);
    case 62:  // CSYNC: serial, flags, bitmap
      return c.skip(6) && valid_type_bitmap(c);
    case rrtype::kSVCB:
    case rrtype::kHTTPS:
      return c.skip(2) && c.name() && valid_svc_params(c);
    case rrtype::kTSIG: {  // RFC 8945 §4.2
      if (!c.name() || !c.skip(8)) return false;
      const auto mac = c.u16();
      if (!mac || !c.skip(*mac) || !c.skip(4)) return false;
      const auto other = c.u16();
      return other && c.skip(*other) && c.left() == 0;
    }
    case rrtype::kCAA: {  // RFC 8659 §4.1: flags, tag length, tag, value
      if (!c.skip(1)) return false;
      const auto tag_len = c.u8();
      if (!tag_len || *tag_len == 0) return false;
      const std::string_view tag = c.take(*tag_len);
      return tag.size() == *tag_len && std::all_of(tag.begin(), tag.end(), [](char ch) {
               return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9');
             });
    }
    default:
      return true;
  }
}

// Rdata given in the RFC 3597 form ("\\# 3 010203") reaches us unchecked even for known types;
// it must at least have the layout libknot's descriptor gives the type (names well formed,
// fixed fields complete), because the wire writer compresses and decompresses those names.
bool well_formed_rdata(uint16_t type, const char* data, size_t len) {
  return walk_rdata(type, std::string_view(data, len), [](size_t, size_t) {});
}

std::string malformed_reason(uint16_t type) {
  return "malformed rdata for type " + type_to_string(type);
}

std::optional<std::string> origin_to_text(std::string_view origin) {
  if (origin.empty()) return std::string(".");
  return wire_to_text(origin);
}

}  // namespace zonefile_internal

namespace {

using namespace zonefile_internal;

// ---------------------------------------------------------------------------------------------
// Printing

knot_dump_style_t dump_style(bool generic) {
  knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
  style.wrap = false;
  style.show_class = true;
  style.show_ttl = true;
  style.verbose = false;
  style.empty_ttl = false;
  style.human_ttl = false;
  // RRSIG times as plain numbers (RFC 4034 §3.2 allows both): libknot prints some 32-bit values
  // as dates before 1970, which libzscanner then refuses.
  style.human_timestamp = false;
  style.generic = generic;
  style.hide_crypto = false;
  style.ascii_to_idn = nullptr;
  style.color = nullptr;
  return style;
}

// Types for which libknot can print well-formed rdata as text that libzscanner refuses or reads
// differently (found by fuzzing: out-of-range LOC and APL values, bitmaps naming types such as
// NULL, SvcParams breaking the "mandatory" rules). Their text is checked by reading it back.
bool needs_read_back(uint16_t type) noexcept {
  switch (type) {
    case 29:  // LOC
    case 42:  // APL
    case rrtype::kNSEC:
    case rrtype::kNSEC3:
    case 62:  // CSYNC
    case rrtype::kSVCB:
    case rrtype::kHTTPS:
      return true;
    default:
      return false;
  }
}

// Prints rdata in presentation form, always as text that reads back to the same octets: rdata
// that libknot cannot print faithfully is printed in the RFC 3597 generic form ("\# 3 010203").
// Keeps one scanner for read-back checks, so printing a whole zone allocates it once.
class RdataPrinter {
 public:
  std::optional<std::string> print(uint16_t type, std::string_view rdata) {
    if (rdata.size() > 0xFFFF) return std::nullopt;
    if (printable_rdata(type, rdata)) {
      auto text = dump(type, rdata, false);
      if (text && (!needs_read_back(type) || reads_back(type, *text, rdata))) return text;
    }
    return dump(type, rdata, true);
  }

 private:
  static std::optional<std::string> dump(uint16_t type, std::string_view rdata, bool generic) {
    std::array<uint8_t, 1> root{0};
    knot_rrset_t rrset;
    knot_rrset_init(&rrset, root.data(), type, KNOT_CLASS_IN, 0);
    if (knot_rrset_add_rdata(&rrset, as_u8(rdata.data()), static_cast<uint16_t>(rdata.size()),
                             nullptr) != KNOT_EOK) {
      return std::nullopt;
    }
    const knot_dump_style_t style = dump_style(generic);
    std::optional<std::string> result;
    std::string buf;
    int len = KNOT_ESPACE;
    for (size_t capacity = 256 + rdata.size() * 4;
         len == KNOT_ESPACE && capacity <= (size_t{1} << 22); capacity *= 2) {
      buf.assign(capacity, '\0');
      len = knot_rrset_txt_dump_data(&rrset, 0, buf.data(), buf.size(), &style);
    }
    if (len >= 0) {
      buf.resize(static_cast<size_t>(len));
      while (!buf.empty() && (buf.back() == ' ' || buf.back() == '\t' || buf.back() == '\n')) {
        buf.pop_back();
      }
      result = std::move(buf);
    }
    knot_rdataset_clear(&rrset.rrs, nullptr);
    return result;
  }

  bool reads_back(uint16_t type, const std::string& text, std::string_view rdata) {
    if (!scanner_) {
      scanner_ = std::make_unique<Scanner>();
      if (!scanner_->init(".", 0)) {
        scanner_.reset();
        return false;
      }
    }
    zs_scanner_t* s = scanner_->get();
    const std::string line = ". 0 IN " + type_to_string(type) + " " + text + "\n";
    bool same = false;
    int records = 0;
    if (zs_set_input_string(s, line.data(), line.size()) == 0) {
      while (zs_parse_record(s) == 0 && s->state == ZS_STATE_DATA) {
        ++records;
        same =
            s->r_type == type && std::string_view(as_chars(s->r_data), s->r_data_length) == rdata;
      }
    }
    if (s->state != ZS_STATE_EOF) {
      scanner_.reset();  // an error may leave it mid-line; start afresh next time
      return false;
    }
    return same && records == 1;
  }

  std::unique_ptr<Scanner> scanner_;
};

std::string class_to_string(uint16_t rclass) {
  std::array<char, 32> buf{};
  if (knot_rrclass_to_string(rclass, buf.data(), buf.size()) > 0) return std::string(buf.data());
  return "CLASS" + std::to_string(rclass);
}

std::string format_record_with(RdataPrinter& printer, const ZoneRecord& rr, bool with_tags) {
  std::string out = wire_to_text(rr.owner).value_or("<invalid-owner>");
  out += '\t';
  out += std::to_string(rr.ttl);
  out += '\t';
  out += class_to_string(rr.rclass);
  out += '\t';
  out += type_to_string(rr.type);
  out += '\t';
  out += printer.print(rr.type, rr.rdata).value_or("<invalid-rdata>");
  if (with_tags && !rr.cf_tags.empty()) {
    out += " ; ";
    out += kTagKey;
    for (size_t i = 0; i < rr.cf_tags.size(); ++i) {
      if (i > 0) out += ',';
      out += rr.cf_tags[i];
    }
  }
  return out;
}

}  // namespace

std::string format_record(const ZoneRecord& rr, bool with_tags) {
  RdataPrinter printer;
  return format_record_with(printer, rr, with_tags);
}

std::string format_zone(std::string_view origin, const std::vector<ZoneRecord>& records) {
  RdataPrinter printer;
  std::string out = "$ORIGIN " + origin_to_text(origin).value_or(".") + "\n";
  for (const ZoneRecord& rr : records) {
    if (rr.type == rrtype::kSOA) out += format_record_with(printer, rr, true) + "\n";
  }
  for (const ZoneRecord& rr : records) {
    if (rr.type != rrtype::kSOA) out += format_record_with(printer, rr, true) + "\n";
  }
  return out;
}

Result<std::string> rdata_to_text(uint16_t type, std::string_view rdata) {
  auto text = RdataPrinter().print(type, rdata);
  if (!text) return make_error("cannot print rdata of type " + type_to_string(type));
  return std::move(*text);
}

}  // namespace dnsedge::dns
