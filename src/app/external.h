#pragma once
// External CNAME targets for flattening: the background resolver's last results, seen by the
// view compiler as a view::TargetSource. The snapshot is replaced by the main thread only.

#include <memory>

#include "resolve/flatten_cache.h"
#include "view/served.h"

namespace dnsedge::app {

class ExternalTargets : public view::TargetSource {
 public:
  void set(std::shared_ptr<const resolve::TargetSnapshot> s) { snap_ = std::move(s); }
  std::optional<view::TargetAddrs> lookup(std::string_view name) const override;

 private:
  std::shared_ptr<const resolve::TargetSnapshot> snap_;
};

}  // namespace dnsedge::app
