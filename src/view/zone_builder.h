#pragma once
// How a ZoneView is made: ZoneView::Builder is the one code that writes a view's data. It builds a
// view in full (ZoneView::compile, and the model's served records) and rewrites nodes of a copy
// (ZoneView::patch). Its definitions are in view/zone_builder.cc, beside compile() and patch().

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "view/served.h"
#include "view/sv_hash.h"
#include "view/zone_view.h"

namespace dnsedge::view {

class ZoneView::Builder {
 public:
  // The full build of a view from served records (view/model.cc gathers them).
  static Result<std::shared_ptr<ZoneView>> served(std::string_view origin, const std::vector<ServedRecord>& records,
                                                  const CompileOptions& options, const Served& served);

  // The steps, shared by compile() and patch().
  // Rec: dns::ZoneRecord (a zone served as stored) or view::ServedRecord (what serve() made).
  template <class Rec>
  static Result<std::shared_ptr<ZoneView>> build(std::string_view origin, const std::vector<Rec>& records,
                                                 const CompileOptions& opt, const Served* served);
  // Appends the RRsets of one node, made of records[group[...]] (any order; `group` is reordered),
  // to z and sets node.rrset_begin/rrset_count and kCname. Checks what is checked per name.
  struct NodeScratch {
    std::vector<std::string_view> rdatas;
    SvMap<uint32_t> shared;                    // A/AAAA rdata block → its offset
    uint32_t last_shared[2] = {kNone, kNone};  // per A/AAAA: offset of the block last shared
    bool use_map = true;  // `shared` views rdata_: only while rdata_ cannot reallocate
  };
  static Result<void> apex_facts(ZoneView& zv, const std::string& src);
  // Indexes a signed zone's NSEC/NSEC3 data (view/dnssec_index.cc); nothing for an unsigned one.
  static Result<void> dnssec_facts(ZoneView& zv, const std::string& src);
  static void set_targets(ZoneView& zv, RRset& set);
  // Online signing (view/signing.cc): with zv.signing_ set, gives the nodes `only` (nullptr:
  // every node) their RRSIG set and the apex its DNSKEY, CDS and CDNSKEY, and marks the view
  // online-signed (or unusable: keys that do not load). Returns how many signatures it made.
  // `threads`: CompileOptions::sign_threads of a full compile (see sign_threads()).
  static Result<size_t> sign(ZoneView& zv, const std::vector<uint32_t>* only, unsigned threads = 0);
  // How many threads sign a full compile of a view of `nodes` nodes: `requested`
  // (CompileOptions::sign_threads) when set, else 1 below a few thousand nodes and above one per
  // core the process may run on (std::thread::hardware_concurrency(), fewer under taskset); at
  // most 8.
  static unsigned sign_threads(size_t nodes, unsigned requested);
  struct SignContext;
  // `presigned`: the node's ZSK signatures made ahead (a full compile on several threads), used
  // instead of signing; null: signed here.
  static Result<void> sign_node(ZoneView& zv, uint32_t id, const RRset* from, SignContext& c,
                                const std::string_view* presigned = nullptr);
  template <class Rec>
  static Result<void> node_rrsets(ZoneView& zv, Node& node, std::string_view name, const std::vector<Rec>& records,
                                  std::vector<uint32_t>& group, const CompileOptions& opt, NodeScratch& sc);
};

}  // namespace dnsedge::view
