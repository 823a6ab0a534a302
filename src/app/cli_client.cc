#include "app/cli_client.h"

#include <cctype>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/errors.h"

namespace dnsedge::app::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

// A wrong --api is a usage error (exit status 2, common/errors.h).
Error usage(std::string message) { return Error{std::move(message), exit_status(ErrorKind::kUsage), ErrorKind::kUsage}; }
constexpr size_t kReplyLimit = 512u << 20;  // an export of a very large zone still fits

}  // namespace

Result<ApiUrl> parse_api_url(const std::string& text) {
  constexpr std::string_view kScheme = "http://";
  ApiUrl u;
  u.text = text;
  if (text.rfind("https://", 0) == 0) {
    return usage("--api " + text + ": https is not supported by the CLI; use http://");
  }
  if (text.rfind(kScheme, 0) != 0) {
    return usage("--api " + text + ": expected http://HOST[:PORT][/PATH]");
  }
  std::string rest = text.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  if (u.prefix.find_first_of("?#") != std::string::npos) {
    return usage("--api " + text + ": no query or fragment allowed");
  }
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return usage("--api " + text + ": unclosed '[' in the host");
    u.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return usage("--api " + text + ": expected ':' after ']'");
      u.port = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return usage("--api " + text + ": no host");
  if (u.port.empty() || u.port.size() > 5 || u.port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(u.port) == 0 || std::stoul(u.port) > 65535) {
    return usage("--api " + text + ": bad port '" + u.port + "'");
  }
  return u;
}

std::string url_encode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<HttpReply> BeastTransport::send(const HttpCall& call) {
  const std::string where = url_.text;
  auto fail = [&](const std::string& what, const boost::system::error_code& ec) {
    return make_error("cannot reach the API at " + where + ": " + what + ": " + ec.message() +
                      " (is `dnsedge serve` running there? set --api or DNSEDGE_API)");
  };
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(url_.host, url_.port, ec);
  if (ec) return fail("resolving " + url_.host, ec);
  stream.expires_after(timeout_);
  stream.connect(endpoints, ec);
  if (ec) return fail("connect", ec);

  const auto verb = http::string_to_verb(call.method);
  if (verb == http::verb::unknown) return make_error("unknown HTTP method " + call.method);
  http::request<http::string_body> req{verb, url_.prefix + call.target, 11};
  const bool v6 = url_.host.find(':') != std::string::npos;
  req.set(http::field::host, (v6 ? "[" + url_.host + "]" : url_.host) + ":" + url_.port);
  req.set(http::field::user_agent, "dnsedge-cli");
  req.set(http::field::accept, "application/json, text/plain");
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (!call.body.empty() || call.method == "POST" || call.method == "PATCH" || call.method == "PUT") {
    if (!call.content_type.empty()) req.set(http::field::content_type, call.content_type);
    req.body() = call.body;
  }
  req.prepare_payload();
  stream.expires_after(timeout_);
  http::write(stream, req, ec);
  if (ec) return fail("sending the request", ec);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kReplyLimit);
  http::read(stream, buffer, parser, ec);
  if (ec) return fail("reading the reply", ec);
  auto& res = parser.get();
  HttpReply reply;
  reply.status = static_cast<int>(res.result_int());
  reply.content_type = std::string(res[http::field::content_type]);
  reply.body = std::move(res.body());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);  // the reply is complete; errors do not matter
  return reply;
}

}  // namespace dnsedge::app::cli
