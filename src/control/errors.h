#pragma once
// The control plane's error codes are those of the error model (common/errors.h): control code
// names them control::errc::kX, as the rest of the program names them errc::kX.

#include "common/errors.h"

namespace dnsedge::control {
namespace errc = ::dnsedge::errc;
}  // namespace dnsedge::control
