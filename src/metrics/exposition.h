#pragma once
// The Prometheus text exposition format, version 0.0.4: one `# HELP` and one `# TYPE` line per
// metric family, then its samples, `name{label="value",...} value`. Label values and help
// texts are escaped as the format says (backslash, double quote and newline in label values;
// backslash and newline in help texts), so no input can break a line or end a value early.
//
// Thread safety: an Exposition is used by one thread at a time.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace dnsedge::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

struct Label {
  std::string_view name;
  std::string_view value;
};

class Exposition {
 public:
  // Starts a family: `type` is "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample; `name` is the family's name, or for a histogram the family's name plus
  // "_bucket", "_sum" or "_count".
  void sample(std::string_view name, std::span<const Label> labels, uint64_t value);
  void sample(std::string_view name, std::span<const Label> labels, double value);
  void sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value) {
    sample(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }
  void sample(std::string_view name, std::initializer_list<Label> labels, double value) {
    sample(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }
  // The samples of one histogram series: `counts` has one count per bound (not cumulative)
  // plus the count above the last bound; the buckets are written cumulative, with le="+Inf".
  void histogram(std::string_view name, std::span<const Label> labels, std::span<const double> bounds,
                 std::span<const uint64_t> counts, double sum);

  const std::string& text() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

  static void escape_label_value(std::string_view in, std::string& out);
  static void escape_help(std::string_view in, std::string& out);

 private:
  void labels(std::span<const Label> labels, const Label* extra);
  std::string out_;
};

}  // namespace dnsedge::metrics
