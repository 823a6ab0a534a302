#pragma once
// A stable digest of what a zone serves: every RR of the view (owner, type, TTL, rdata) with
// the SOA serial left out, so two views that answer the same have the same digest whatever
// their serials. Used to decide whether a recompile changed the served view (then the serial
// must move, RFC 1982) and persisted to compare across restarts. 32 lowercase hex digits;
// stable across processes and builds.
//
// It is a sum, over the view's nodes, of a per-node hash (two independent 64-bit FNV-1a lanes
// over the node's RRs): independent of node order, so a view patched name by name
// (view/model.h) keeps its digest up to date by subtracting the old nodes' hashes and adding
// the new ones, and has the same digest as a full compile of the same data.

#include <array>
#include <cstdint>
#include <string>

#include "view/zone_view.h"

namespace dnsedge::view {

std::string content_digest(const ZoneView& z);

// The hash of node `i` of `z` (zero for a node with no RRs and no SERVFAIL flag).
std::array<uint64_t, 2> node_digest(const ZoneView& z, uint32_t i);

}  // namespace dnsedge::view
