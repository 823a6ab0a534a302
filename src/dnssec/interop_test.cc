// The signer against tools nobody here wrote: a zone signed with this module (KSK over DNSKEY,
// CDS and CDNSKEY, ZSK over the rest, an NSEC chain whose bitmaps come from type_bitmap) must
// pass Knot's kzonecheck with DNSSEC checks, and dnspython's dns.dnssec.validate must accept
// every RRSIG, including those over the compact-denial NSEC records of RFC 9824.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "dnssec/denial.h"
#include "dnssec/key.h"
#include "dnssec/policy.h"
#include "dnssec/sign.h"

namespace dnsedge::dnssec {
namespace {

namespace rt = dns::rrtype;

std::string wire(std::string_view text) { return dns::name_from_text(text).value(); }

struct Rr {
  std::string owner;  // wire
  uint16_t type;
  uint32_t ttl;
  std::string rdata;
};

std::string type_name(uint16_t t) {
  switch (t) {
    case rrtype::kCDS:
      return "CDS";
    case rrtype::kCDNSKEY:
      return "CDNSKEY";
    default:
      return dns::type_to_string(t);
  }
}

std::string rdata_text(uint16_t type, const std::string& rdata) {
  // CDS and CDNSKEY have the presentation form of DS and DNSKEY.
  const uint16_t as = type == rrtype::kCDS ? rt::kDS : type == rrtype::kCDNSKEY ? rt::kDNSKEY : type;
  return dns::rdata_to_text(as, rdata).value();
}

std::string line(const Rr& r) {
  return dns::name_to_text(r.owner) + " " + std::to_string(r.ttl) + " IN " + type_name(r.type) + " " +
         rdata_text(r.type, r.rdata) + "\n";
}

// Output and exit status of a shell command.
std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

bool have(const char* tool) { return run(std::string("command -v ") + tool).first == 0; }

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apex_ = wire("example.test.");
    ksk_ = Key::generate(kFlagsKsk).value();
    zsk_ = Key::generate(kFlagsZsk).value();
    ValidityPolicy policy;
    now_ = 1800000000;
    validity_ = policy.at(now_);
  }

  void add(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view text) {
    rrs_.push_back({wire(owner), type, ttl, dns::rdata_from_text(type, text, apex_).value()});
  }

  // Appends the RRSIG of every RRset in `rrs` to it (KSK for DNSKEY, CDS, CDNSKEY).
  void sign_all(std::vector<Rr>& rrs) {
    std::vector<Rr> sigs;
    for (size_t i = 0; i < rrs.size();) {
      size_t j = i;
      std::vector<std::string_view> rd;
      while (j < rrs.size() && rrs[j].owner == rrs[i].owner && rrs[j].type == rrs[i].type) rd.push_back(rrs[j++].rdata);
      const uint16_t t = rrs[i].type;
      const Key& k = (t == rt::kDNSKEY || t == rrtype::kCDS || t == rrtype::kCDNSKEY) ? ksk_ : zsk_;
      auto sig = sign_rrset(RRsetRef{rrs[i].owner, t, 1, rrs[i].ttl, rd}, k, apex_, validity_);
      EXPECT_TRUE(sig) << sig.error().message;
      if (sig) {
        EXPECT_TRUE(verify_rrset(RRsetRef{rrs[i].owner, t, 1, rrs[i].ttl, rd}, *sig, k));
        sigs.push_back({rrs[i].owner, rt::kRRSIG, rrs[i].ttl, *sig});
      }
      i = j;
    }
    rrs.insert(rrs.end(), sigs.begin(), sigs.end());
  }

  std::string write(const std::string& file, const std::vector<Rr>& rrs) {
    const std::string path = dir_.path() + "/" + file;
    std::ofstream f(path);
    for (const auto& r : rrs) f << line(r);
    return path;
  }

  common::TempDir dir_{"dnsedge-dnssec-interop"};
  std::string apex_;
  Key ksk_ = Key::generate(kFlagsKsk).value();
  Key zsk_ = Key::generate(kFlagsZsk).value();
  int64_t now_ = 0;
  Validity validity_;
  std::vector<Rr> rrs_;
};

TEST_F(InteropTest, SignedZonePassesKzonecheckAndDnspython) {
  if (!have("kzonecheck")) GTEST_SKIP() << "kzonecheck (package knot) not installed";
  // Records grouped by RRset, owners in canonical order (RFC 4034 §6.1).
  add("example.test.", rt::kSOA, 3600, "ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300");
  add("example.test.", rt::kNS, 3600, "ns1.example.test.");
  add("example.test.", rt::kMX, 3600, "20 mail.example.test.");
  add("example.test.", rt::kMX, 3600, "10 mail.example.test.");
  rrs_.push_back({apex_, rt::kDNSKEY, 3600, ksk_.dnskey_rdata()});
  rrs_.push_back({apex_, rt::kDNSKEY, 3600, zsk_.dnskey_rdata()});
  rrs_.push_back({apex_, rrtype::kCDS, 3600, cds_rdata(apex_, ksk_.dnskey_rdata())});
  rrs_.push_back({apex_, rrtype::kCDNSKEY, 3600, cdnskey_rdata(ksk_)});
  add("mail.example.test.", rt::kA, 300, "192.0.2.25");
  add("_25._tcp.mail.example.test.", rt::kTLSA, 300,
      "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  add("ns1.example.test.", rt::kA, 300, "192.0.2.53");
  add("*.wild.example.test.", rt::kA, 300, "192.0.2.9");
  add("www.example.test.", rt::kA, 300, "192.0.2.2");
  add("www.example.test.", rt::kA, 300, "192.0.2.1");
  add("www.example.test.", rt::kA, 300, "192.0.2.10");
  add("www.example.test.", rt::kAAAA, 300, "2001:db8::1");
  add("www.example.test.", rt::kTXT, 300, "\"hello\" \"world\"");
  // The NSEC chain, bitmaps from type_bitmap.
  const std::vector<std::pair<std::string, std::vector<uint16_t>>> chain = {
      {"example.test.", {rt::kSOA, rt::kNS, rt::kMX, rt::kDNSKEY, rrtype::kCDS, rrtype::kCDNSKEY}},
      {"mail.example.test.", {rt::kA}},
      {"_25._tcp.mail.example.test.", {rt::kTLSA}},
      {"ns1.example.test.", {rt::kA}},
      {"*.wild.example.test.", {rt::kA}},
      {"www.example.test.", {rt::kA, rt::kAAAA, rt::kTXT}},
  };
  for (size_t i = 0; i < chain.size(); ++i) {
    std::vector<uint16_t> types = chain[i].second;
    types.push_back(rt::kRRSIG);
    types.push_back(rt::kNSEC);
    rrs_.push_back(
        {wire(chain[i].first), rt::kNSEC, 300, wire(chain[(i + 1) % chain.size()].first) + type_bitmap(types)});
  }
  sign_all(rrs_);
  const std::string zone = write("example.test.zone", rrs_);

  auto [st, out] = run("kzonecheck -o example.test. -d on -t " + std::to_string(now_) + " " + zone);
  EXPECT_EQ(st, 0) << out;
  EXPECT_EQ(out.find("error"), std::string::npos) << out;
  // After expiry kzonecheck must object: the check is real.
  auto [st2, out2] =
      run("kzonecheck -o example.test. -d on -t " + std::to_string(validity_.expiration + 10) + " " + zone);
  EXPECT_NE(st2, 0) << out2;

  // dnspython validates every RRSIG with the zone's DNSKEY set, and the DS matches the KSK.
  if (run("/usr/bin/python3 -c 'import dns.dnssec, cryptography'").first != 0) {
    GTEST_SKIP() << "python3-dnspython with python3-cryptography not installed";
  }
  const std::string script = dir_.path() + "/check.py";
  std::ofstream(script) << R"py(
import sys, dns.zone, dns.dnssec, dns.name, dns.rdatatype, dns.rrset
path, now, ds_text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
origin = dns.name.from_text("example.test.")
z = dns.zone.from_file(path, origin=origin, relativize=False, check_origin=False)
keys = {origin: z.get_rdataset(origin, "DNSKEY")}
n = 0
for name, node in z.nodes.items():
    for rds in node.rdatasets:
        if rds.rdtype == dns.rdatatype.RRSIG:
            continue
        sigs = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, rds.rdtype)
        assert sigs is not None, (name, rds.rdtype)
        dns.dnssec.validate(dns.rrset.from_rdata_list(name, rds.ttl, list(rds)),
                            dns.rrset.from_rdata_list(name, sigs.ttl, list(sigs)), keys, now=now)
        n += 1
ksk = [k for k in keys[origin] if k.flags == 257][0]
ds = dns.dnssec.make_ds(origin, ksk, "SHA256")
assert ds_text.split()[-4:] == ds.to_text().upper().split(), (ds_text, ds.to_text())
print("validated", n)
)py";
  auto [st3, out3] = run("/usr/bin/python3 " + script + " " + zone + " " + std::to_string(now_) + " '" +
                         ds_text(apex_, 3600, ksk_.dnskey_rdata()) + "'");
  EXPECT_EQ(st3, 0) << out3;
  EXPECT_NE(out3.find("validated 19"), std::string::npos) << out3;
}

TEST_F(InteropTest, CompactDenialRecordsValidateWithDnspython) {
  if (run("/usr/bin/python3 -c 'import dns.dnssec, cryptography'").first != 0) {
    GTEST_SKIP() << "python3-dnspython with python3-cryptography not installed";
  }
  std::vector<Rr> rrs{{apex_, rt::kDNSKEY, 3600, ksk_.dnskey_rdata()}, {apex_, rt::kDNSKEY, 3600, zsk_.dnskey_rdata()}};
  const std::string nope = wire("nope.example.test."), www = wire("www.example.test.");
  rrs.push_back({nope, rt::kNSEC, 300, nxname_nsec(nope).value()});
  const std::vector<uint16_t> types{rt::kA, rt::kAAAA};
  rrs.push_back({www, rt::kNSEC, 300, nodata_nsec(www, types).value()});
  sign_all(rrs);
  const std::string path = write("answers.txt", rrs);
  const std::string script = dir_.path() + "/check.py";
  std::ofstream(script) << R"py(
import sys, dns.zone, dns.dnssec, dns.name, dns.rdatatype, dns.rrset
path, now = sys.argv[1], int(sys.argv[2])
origin = dns.name.from_text("example.test.")
z = dns.zone.from_file(path, origin=origin, relativize=False, check_origin=False)
keys = {origin: z.get_rdataset(origin, "DNSKEY")}
for owner, want in (("nope.example.test.", {"NSEC", "RRSIG", "TYPE128"}), ("www.example.test.", {"A", "AAAA", "NSEC", "RRSIG"})):
    name = dns.name.from_text(owner)
    nsec = z.get_rdataset(name, "NSEC")
    sigs = z.get_rdataset(name, "RRSIG", "NSEC")
    dns.dnssec.validate(dns.rrset.from_rdata_list(name, nsec.ttl, list(nsec)),
                        dns.rrset.from_rdata_list(name, sigs.ttl, list(sigs)), keys, now=now)
    rd = list(nsec)[0]
    assert rd.next == dns.name.Name([b"\x00"]) + name, rd.next
    got = set(rd.to_text().split()[1:])
    assert got == want, (owner, got)
print("ok")
)py";
  auto [st, out] = run("/usr/bin/python3 " + script + " " + path + " " + std::to_string(now_));
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("ok"), std::string::npos) << out;
}

}  // namespace
}  // namespace dnsedge::dnssec
