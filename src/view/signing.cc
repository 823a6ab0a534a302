// Online signing of a served view (CompileOptions::signing): the static part, made when a view is
// compiled in full or patched.
//
// Per node, what gets an RRSIG: every authoritative RRset (the apex's SOA, NS, DNSKEY, CDS and
// CDNSKEY included; edge addresses, flattened addresses and dc-records are ordinary RRsets of the
// view by now); at a zone cut only the DS (the delegation NS is the child's, RFC 4035 §2.2), and
// nothing below a cut (glue). The KSKs sign the apex DNSKEY, CDS and CDNSKEY sets, the ZSK every
// other one. The signatures of a node are its RRSIG RRset, in canonical rdata order (so grouped
// by type covered), exactly where a pre-signed zone keeps them: the answer path picks them the
// same way. RRSIGs stored with the records are dropped (the zone is signed here, not offline), and
// the apex's DNSKEY, CDS and CDNSKEY are the keys' (RFC 7344 §3, RFC 8078): stored ones are
// replaced.
//
// A node is signed by appending its RRsets again, with the RRSIG set in type order, at the end
// of the view's RRset array; a full compile first empties that array, so nothing is left behind.
//
// A full compile of a large view makes its signatures on several threads (sign_threads()): the
// nodes go in batches; each batch is split into contiguous chunks whose ZSK signatures are made
// at once, each chunk by its own thread with its own dnssec::Signer and scratch (the calling
// thread takes the first chunk), reading the view but writing only the chunk's buffer; after the
// threads are joined the calling thread assembles the batch's nodes in order, as sequential
// signing would, taking each signature from the buffers instead of the signer. The view is the
// sequential one, signature bytes apart (ECDSA is randomized), and no thread outlives sign().
// Patches (`only`) and small views are signed on the calling thread.

#include <sched.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dnssec/key.h"
#include "dnssec/policy.h"
#include "dnssec/sign.h"
#include "view/zone_builder.h"
#include "view/zone_view.h"

namespace dnsedge::view {
namespace {

namespace rrtype = dns::rrtype;
using dnssec::rrtype::kCDNSKEY;
using dnssec::rrtype::kCDS;

bool rdata_less(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c != 0 ? c < 0 : a.size() < b.size();
}

bool apex_key_type(uint16_t t) { return t == rrtype::kDNSKEY || t == kCDS || t == kCDNSKEY; }

// Whether an RRset of type `type` (not an RRSIG) at a node with `flags` gets signatures: nothing
// below a cut, only the DS at a cut.
bool signed_here(uint16_t flags, uint16_t type) {
  if (flags & node_flag::kBelowCut) return false;
  return !(flags & node_flag::kDelegation) || type == rrtype::kDS;
}

Error signing_error(std::string_view apex, std::string_view owner, uint16_t type, const Error& e) {
  return Error{.message = "zone " + dns::name_to_text(apex) + ": signing " + dns::name_to_text(owner) + " type " +
                          std::to_string(type) + ": " + e.message};
}

// Parallel signing of a full compile: views of at least kParallelMinNodes nodes, on at most
// kMaxSignThreads threads, kBatchNodes nodes at a time (the buffers hold one batch's signatures).
constexpr uint32_t kParallelMinNodes = 2048;
constexpr unsigned kMaxSignThreads = 8;
constexpr uint32_t kBatchNodes = 8192;

// One chunk of a batch, signed ahead of its assembly: nodes [lo, hi), the ZSK signatures of each
// (the RRsets sign_node signs, in its order, `stride` octets each) back to back in `sigs`, node
// lo + i's ending at end[i]. failed: the first node whose signing failed (kNone: none), error
// its error; the chunk stops there.
struct Chunk {
  uint32_t lo = 0, hi = 0;
  std::string sigs;
  std::vector<uint32_t> end;
  uint32_t failed = kNone;
  Error error;
};

// Signs chunk `k`'s nodes. Reads the view and the old RRset array only; writes only `k`.
void presign(const ZoneView& zv, const RRset* from, const dnssec::Key& zsk, dnssec::Validity validity,
             dnssec::Signer& signer, std::vector<std::string_view>& rdatas, Chunk& k) {
  const std::string_view apex = zv.apex();
  const size_t stride = dnssec::rrsig_rdata_size(apex.size());
  k.sigs.clear();
  k.end.clear();
  k.failed = kNone;
  for (uint32_t id = k.lo; id < k.hi; ++id) {
    const Node& n = zv.node(id);
    if (!(n.flags & (node_flag::kDead | node_flag::kNsec3))) {
      const std::string_view owner = zv.node_name(n);
      for (const RRset* s = from + n.rrset_begin; s != from + n.rrset_begin + n.rrset_count; ++s) {
        if (s->type == rrtype::kRRSIG || !signed_here(n.flags, s->type)) continue;
        rdatas.clear();
        for (const Rdata rd : zv.rdatas(*s)) rdatas.push_back(rd.bytes());
        const dnssec::RRsetRef ref{
            .owner = owner, .type = s->type, .rclass = dns::rrclass::kIN, .ttl = s->ttl, .rdatas = rdatas};
        const size_t at = k.sigs.size();
        k.sigs.resize(at + stride);
        auto len = signer.sign(ref, zsk, apex, validity,
                               std::span<uint8_t>(reinterpret_cast<uint8_t*>(k.sigs.data() + at), stride));
        if (!len) {
          k.failed = id;
          k.error = signing_error(apex, owner, s->type, len.error());
          return;
        }
      }
    }
    k.end.push_back(static_cast<uint32_t>(k.sigs.size()));
  }
}

}  // namespace

unsigned ZoneView::Builder::sign_threads(size_t nodes, unsigned requested) {
  if (requested != 0) return std::min(requested, kMaxSignThreads);
  if (nodes < kParallelMinNodes) return 1;
  unsigned cores = std::thread::hardware_concurrency();
  // A process confined to fewer cores (taskset, a cgroup cpuset) gains nothing from more threads.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) > 0) {
    cores = std::min(cores == 0 ? 1024u : cores, static_cast<unsigned>(CPU_COUNT(&allowed)));
  }
  return std::clamp(cores, 1u, kMaxSignThreads);
}

struct ZoneView::Builder::SignContext {
  const dnssec::ZoneSigning* s = nullptr;
  dnssec::Validity validity;
  dnssec::Signer signer;
  // The apex's key sets (type, rdatas in canonical order).
  struct KeySet {
    uint16_t type;
    std::vector<std::string> rdatas;
  };
  std::vector<KeySet> apex_sets;
  // Scratch, reused from node to node.
  std::vector<RRset> sets;
  std::vector<std::string_view> rdatas;
  std::string sigs;  // fixed-stride RRSIG rdata
  std::vector<std::string_view> sig_order;
  size_t signed_rrsets = 0;
};

Result<void> ZoneView::Builder::sign_node(ZoneView& zv, uint32_t id, const RRset* from, SignContext& c,
                                          const std::string_view* presigned) {
  Node& n = zv.nodes_[id];
  const uint32_t count = n.rrset_count;
  c.sets.assign(from + n.rrset_begin, from + n.rrset_begin + count);
  n.rrset_begin = static_cast<uint32_t>(zv.rrsets_.size());
  if (n.flags & (node_flag::kDead | node_flag::kNsec3)) {
    zv.rrsets_.append(c.sets.data(), c.sets.size());
    return {};
  }
  const bool apex = id == 0;
  // Out: stored signatures, and at the apex stored key sets.
  auto drop = [&](const RRset& s) { return s.type == rrtype::kRRSIG || (apex && apex_key_type(s.type)); };
  for (const RRset& s : c.sets) {
    if (drop(s)) zv.record_count_ -= s.count;
  }
  c.sets.erase(std::remove_if(c.sets.begin(), c.sets.end(), drop), c.sets.end());
  if (apex) {
    for (const auto& ks : c.apex_sets) {
      RRset set;
      set.type = ks.type;
      set.ttl = c.s->dnskey_ttl;
      set.count = static_cast<uint16_t>(ks.rdatas.size());
      set.rdata_off = static_cast<uint32_t>(zv.rdata_.size());
      for (const auto& rd : ks.rdatas) {
        zv.rdata_.push_back(static_cast<char>(rd.size() >> 8));
        zv.rdata_.push_back(static_cast<char>(rd.size() & 0xff));
        zv.rdata_.append(rd);
      }
      set.rdata_len = static_cast<uint32_t>(zv.rdata_.size()) - set.rdata_off;
      zv.record_count_ += set.count;
      c.sets.push_back(set);
    }
  }
  // What is signed here: nothing below a cut, only the DS at a cut.
  const std::string_view owner = zv.node_name(n);
  const std::string_view apex_name = zv.apex_;
  const size_t stride = dnssec::rrsig_rdata_size(apex_name.size());
  c.sigs.clear();
  uint32_t sig_ttl = 0xffffffffu;
  size_t taken = 0;  // octets of *presigned used
  for (const RRset& s : c.sets) {
    if (!signed_here(n.flags, s.type)) continue;
    c.rdatas.clear();
    for (const Rdata rd : zv.rdatas(s)) c.rdatas.push_back(rd.bytes());
    const dnssec::RRsetRef ref{
        .owner = owner, .type = s.type, .rclass = dns::rrclass::kIN, .ttl = s.ttl, .rdatas = c.rdatas};
    auto sign_with = [&](const dnssec::Key& key) -> Result<void> {
      const size_t at = c.sigs.size();
      c.sigs.resize(at + stride);
      if (presigned != nullptr) {
        // Made ahead by presign() for this RRset (with the ZSK: presigned nodes are never the apex).
        if (presigned->size() < taken + stride) {
          return make_error("zone " + dns::name_to_text(apex_name) + ": signing " + dns::name_to_text(owner) +
                            ": fewer signatures made ahead than RRsets to sign");
        }
        std::memcpy(c.sigs.data() + at, presigned->data() + taken, stride);
        taken += stride;
      } else if (auto len = c.signer.sign(ref, key, apex_name, c.validity,
                                          std::span<uint8_t>(reinterpret_cast<uint8_t*>(c.sigs.data() + at), stride));
                 !len) {
        return signing_error(apex_name, owner, s.type, len.error());
      }
      ++c.signed_rrsets;
      return {};
    };
    if (apex && apex_key_type(s.type)) {
      for (const dnssec::Key& k : c.s->ksks) {
        if (auto r = sign_with(k); !r) return r;
      }
    } else if (auto r = sign_with(*c.s->zsk); !r) {
      return r;
    }
    sig_ttl = std::min(sig_ttl, s.ttl);
  }
  if (presigned != nullptr && taken != presigned->size()) {
    return make_error("zone " + dns::name_to_text(apex_name) + ": signing " + dns::name_to_text(owner) +
                      ": more signatures made ahead than RRsets to sign");
  }
  if (!c.sigs.empty()) {
    c.sig_order.clear();
    for (size_t at = 0; at < c.sigs.size(); at += stride) c.sig_order.emplace_back(c.sigs.data() + at, stride);
    std::sort(c.sig_order.begin(), c.sig_order.end(), rdata_less);
    RRset set;
    set.type = rrtype::kRRSIG;
    set.ttl = sig_ttl;
    set.count = static_cast<uint16_t>(std::min<size_t>(c.sig_order.size(), 0xffff));
    set.rdata_off = static_cast<uint32_t>(zv.rdata_.size());
    for (std::string_view rd : c.sig_order) {
      zv.rdata_.push_back(static_cast<char>(rd.size() >> 8));
      zv.rdata_.push_back(static_cast<char>(rd.size() & 0xff));
      zv.rdata_.append(rd);
    }
    set.rdata_len = static_cast<uint32_t>(zv.rdata_.size()) - set.rdata_off;
    zv.record_count_ += set.count;
    c.sets.push_back(set);
  }
  std::stable_sort(c.sets.begin(), c.sets.end(), [](const RRset& a, const RRset& b) { return a.type < b.type; });
  zv.rrsets_.append(c.sets.data(), c.sets.size());
  n.rrset_count = static_cast<uint32_t>(c.sets.size());
  return {};
}

Result<size_t> ZoneView::Builder::sign(ZoneView& zv, const std::vector<uint32_t>* only, unsigned requested_threads) {
  const dnssec::ZoneSigning* s = zv.signing_.get();
  if (s == nullptr) return size_t{0};
  DnssecIndex& d = zv.dnssec_;
  d.online = true;
  d.nsec_chain.clear();
  d.nsec3_chain.clear();
  d.nsec3 = false;
  const std::string zone = dns::name_to_text(zv.apex_);
  if (!s->unusable.empty()) {
    // Never served unsigned: the answer path answers SERVFAIL.
    d.unusable = true;
    d.is_signed = false;
    return size_t{0};
  }
  if (!s->zsk || !s->zsk->has_private()) return make_error("zone " + zone + ": no zone-signing key to sign with");
  if (s->ksks.empty()) return make_error("zone " + zone + ": no key-signing key to sign the DNSKEY set with");
  for (const dnssec::Key& k : s->ksks) {
    if (!k.has_private()) return make_error("zone " + zone + ": a key-signing key without its private part");
  }
  SignContext c;
  c.s = s;
  static const zone::SystemClock system_clock;
  c.validity = s->validity.at(dnssec::unix_seconds(s->clock != nullptr ? *s->clock : system_clock));
  {
    SignContext::KeySet dnskey{rrtype::kDNSKEY, {}}, cds{kCDS, {}}, cdnskey{kCDNSKEY, {}};
    for (const dnssec::Key& k : s->dnskeys) dnskey.rdatas.push_back(k.dnskey_rdata());
    for (const dnssec::Key& k : s->ksks) {
      cds.rdatas.push_back(dnssec::cds_rdata(zv.apex_, k.dnskey_rdata()));
      cdnskey.rdatas.push_back(dnssec::cdnskey_rdata(k));
    }
    for (auto* ks : {&dnskey, &cds, &cdnskey}) {
      std::sort(ks->rdatas.begin(), ks->rdatas.end(), rdata_less);
      ks->rdatas.erase(std::unique(ks->rdatas.begin(), ks->rdatas.end()), ks->rdatas.end());
      if (!ks->rdatas.empty()) c.apex_sets.push_back(std::move(*ks));
    }
  }
  if (only == nullptr) {
    // Every node, into a fresh RRset array (each node gains at most an RRSIG set, the apex three
    // key sets more).
    const AppendBuffer<RRset> old = std::move(zv.rrsets_);
    zv.rrsets_.clear();
    zv.rrsets_.reserve(old.size() + zv.nodes_.size() + 4);
    zv.rdata_.reserve(zv.rdata_.size() + old.size() * (2 + dnssec::rrsig_rdata_size(zv.apex_.size())));
    const uint32_t n_nodes = static_cast<uint32_t>(zv.nodes_.size());
    const unsigned threads = sign_threads(n_nodes, requested_threads);
    if (threads <= 1) {
      for (uint32_t id = 0; id < n_nodes; ++id) {
        if (auto r = sign_node(zv, id, old.data(), c); !r) return r.error();
      }
    } else {
      // Per chunk its signer and scratch, kept from batch to batch; chunk 0's is the calling
      // thread's (c.signer).
      std::vector<Chunk> chunks(threads);
      std::vector<std::unique_ptr<dnssec::Signer>> signers(threads);
      std::vector<std::vector<std::string_view>> rdatas(threads);
      for (unsigned k = 1; k < threads; ++k) signers[k] = std::make_unique<dnssec::Signer>();
      std::vector<std::thread> workers;
      workers.reserve(threads - 1);
      for (uint32_t b = 0; b < n_nodes; b += kBatchNodes) {
        const uint32_t e = std::min(n_nodes, b + kBatchNodes);
        const uint32_t lo = std::max<uint32_t>(b, 1);  // the apex (node 0) is signed when assembled
        const uint32_t per = (e - lo + threads - 1) / threads;
        for (unsigned k = 0; k < threads; ++k) {
          chunks[k].lo = std::min(e, lo + k * per);
          chunks[k].hi = std::min(e, chunks[k].lo + per);
        }
        const ZoneView& view = zv;
        unsigned started = 1;
        try {
          for (; started < threads; ++started) {
            workers.emplace_back([&, k = started] {
              presign(view, old.data(), *s->zsk, c.validity, *signers[k], rdatas[k], chunks[k]);
            });
          }
        } catch (const std::system_error&) {
          // No thread to be had (a process or memory limit): the calling thread signs the rest.
        }
        presign(view, old.data(), *s->zsk, c.validity, c.signer, rdatas[0], chunks[0]);
        for (unsigned k = started; k < threads; ++k) {
          presign(view, old.data(), *s->zsk, c.validity, *signers[k], rdatas[k], chunks[k]);
        }
        for (std::thread& w : workers) w.join();
        workers.clear();
        // Assembly in node order; a chunk's failure is returned where sequential signing would
        // have met it.
        unsigned k = 0;
        for (uint32_t id = b; id < e; ++id) {
          if (id == 0) {
            if (auto r = sign_node(zv, id, old.data(), c); !r) return r.error();
            continue;
          }
          while (id >= chunks[k].hi) ++k;
          const Chunk& ch = chunks[k];
          if (id == ch.failed) return ch.error;
          const uint32_t i = id - ch.lo;
          const uint32_t from = i == 0 ? 0 : ch.end[i - 1];
          const std::string_view pre(ch.sigs.data() + from, ch.end[i] - from);
          if (auto r = sign_node(zv, id, old.data(), c, &pre); !r) return r.error();
        }
      }
    }
  } else {
    for (uint32_t id : *only) {
      if (auto r = sign_node(zv, id, zv.rrsets_.data(), c); !r) return r.error();
    }
  }
  d.is_signed = true;
  d.unusable = false;
  // The apex's RRsets moved: find its SOA again.
  if (const RRset* soa = zv.rrset(zv.nodes_[0], rrtype::kSOA); soa != nullptr) {
    zv.soa_rrset_ = static_cast<uint32_t>(soa - zv.rrsets_.data());
  }
  return c.signed_rrsets;
}

}  // namespace dnsedge::view
