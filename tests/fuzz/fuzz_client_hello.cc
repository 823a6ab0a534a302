// libFuzzer target for the edge's TLS ClientHello reader (src/edge/client_hello.h): the first
// bytes a client sends to an HTTPS port, read for the SNI without terminating TLS.
// Build and run: `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).
//
// Checked beyond "no crash, no sanitizer report": a found SNI is a non-empty view into the
// input or into the reassembly scratch, never longer than a DNS name; every prefix of an input
// that parses is either incomplete or gives the same answer (the edge parses as bytes arrive).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/client_hello.h"

namespace tls = dnsedge::edge::tls;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string scratch;
  std::string_view sni;
  const tls::HelloStatus st = tls::parse_client_hello(in, &scratch, &sni);
  if (st == tls::HelloStatus::kOk) {
    check(!sni.empty() && sni.size() <= 253);
    check(inside(sni, in) || inside(sni, scratch));
    const std::string first(sni);
    // Prefixes: incomplete, or already the same verdict (a complete hello ends before `size`).
    for (size_t cut : {size / 2, size > 0 ? size - 1 : 0}) {
      std::string s2;
      std::string_view sni2;
      const tls::HelloStatus st2 = tls::parse_client_hello(in.substr(0, cut), &s2, &sni2);
      check(st2 == tls::HelloStatus::kIncomplete || (st2 == tls::HelloStatus::kOk && sni2 == first));
    }
  }
  check(!tls::fatal_alert(static_cast<unsigned char>(size)).empty());
  return 0;
}
