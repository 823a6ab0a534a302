#include "metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace dnsedge::metrics {

void Exposition::escape_label_value(std::string_view in, std::string& out) {
  for (char c : in) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void Exposition::escape_help(std::string_view in, std::string& out) {
  for (char c : in) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  escape_help(help, out_);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void Exposition::labels(std::span<const Label> ls, const Label* extra) {
  if (ls.empty() && extra == nullptr) return;
  out_ += '{';
  bool first = true;
  auto one = [&](const Label& l) {
    if (!first) out_ += ',';
    first = false;
    out_ += l.name;
    out_ += "=\"";
    escape_label_value(l.value, out_);
    out_ += '"';
  };
  for (const Label& l : ls) one(l);
  if (extra != nullptr) one(*extra);
  out_ += '}';
}

void Exposition::sample(std::string_view name, std::span<const Label> ls, uint64_t value) {
  out_ += name;
  labels(ls, nullptr);
  out_ += ' ';
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, r.ptr);
  out_ += '\n';
}

namespace {
void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%.17g", v);
    out.append(buf, static_cast<size_t>(n));
  }
}
}  // namespace

void Exposition::sample(std::string_view name, std::span<const Label> ls, double value) {
  out_ += name;
  labels(ls, nullptr);
  out_ += ' ';
  append_double(out_, value);
  out_ += '\n';
}

void Exposition::histogram(std::string_view name, std::span<const Label> ls, std::span<const double> bounds,
                           std::span<const uint64_t> counts, double sum) {
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    std::string le;
    if (i == bounds.size()) {
      le = "+Inf";
    } else {
      append_double(le, bounds[i]);
    }
    const Label extra{"le", le};
    out_ += bucket;
    labels(ls, &extra);
    out_ += ' ';
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, cumulative);
    out_.append(buf, r.ptr);
    out_ += '\n';
  }
  sample(std::string(name) + "_sum", ls, sum);
  sample(std::string(name) + "_count", ls, cumulative);
}

}  // namespace dnsedge::metrics
