#pragma once
// The TCP listen address of an HTTP listener (--api-listen, --metrics-listen): "ADDR:PORT" or
// "[IPv6]:PORT", port 0..65535 (0: the kernel picks one). Header-only; needs Boost.Asio.

#include <cstdint>
#include <string>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/result.h"

namespace dnsedge::common {

inline Result<boost::asio::ip::tcp::endpoint> parse_tcp_listen(const std::string& text) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return make_error("bad address '" + text + "' (expected [ADDR]:PORT)");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return make_error("bad address '" + text + "' (expected ADDR:PORT)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(host, ec);
  if (ec) return make_error("bad address '" + text + "': " + ec.message());
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return make_error("bad port in '" + text + "'");
  }
  return boost::asio::ip::tcp::endpoint(addr, static_cast<uint16_t>(std::stoul(port)));
}

}  // namespace dnsedge::common
