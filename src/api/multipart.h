#pragma once
// multipart/form-data (RFC 7578) bodies, as `dns_records/import` receives them: each part's
// name (from Content-Disposition) and its content. File parts and plain fields look the same.

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dnsedge::api {

// The boundary parameter of a multipart Content-Type ("multipart/form-data; boundary=xyz"),
// or "" when the type is not multipart or has none.
std::string multipart_boundary(std::string_view content_type);

// name → content of every part; the first part of a name wins. Fails on a body that is not
// well-formed multipart with this boundary.
Result<std::map<std::string, std::string>> parse_multipart(std::string_view body, std::string_view boundary);

}  // namespace dnsedge::api
