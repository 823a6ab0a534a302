#pragma once
// A stable digest of what a zone serves: every RR of the view (owner, type, TTL, rdata) with
// the SOA serial left out, so two views that answer the same have the same digest whatever
// their serials. Used to decide whether a recompile changed the served view (then the serial
// must move, RFC 1982) and persisted to compare across restarts. 32 lowercase hex digits
// (two independent 64-bit FNV-1a lanes); stable across processes and builds.

#include <string>

#include "view/zone_view.h"

namespace dnsedge::view {

std::string content_digest(const ZoneView& z);

}  // namespace dnsedge::view
