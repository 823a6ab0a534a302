#include "api/pagerules_api.h"

#include <algorithm>
#include <limits>

#include "api/call.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "control/errors.h"

namespace dnsedge::api {
namespace {

using json = nlohmann::json;

Error type_error(const std::string& field, const char* want) {
  return Error{"Request body is invalid: " + field + " must be " + want, kInvalidBody};
}

// An integer field; values beyond int64 are clamped (the controller's range check refuses them).
Result<int64_t> integer(const json& v, const std::string& field) {
  if (!v.is_number_integer()) return type_error(field, "an integer");
  if (v.is_number_unsigned()) {
    return static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), std::numeric_limits<int64_t>::max()));
  }
  return v.get<int64_t>();
}

Result<std::string> string_field(const json& o, const char* key, const std::string& field, const char* fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) {
    if (fallback != nullptr) return std::string(fallback);
    return type_error(field, "a string");
  }
  if (!it->is_string()) return type_error(field, "a string");
  return it->get<std::string>();
}

Result<control::PageRuleInput::Target> target_of(const json& t, const std::string& field) {
  if (!t.is_object()) return type_error(field, "an object {target, constraint}");
  control::PageRuleInput::Target out;
  auto target = string_field(t, "target", field + ".target", "url");
  if (!target) return target.error();
  out.target = std::move(*target);
  auto c = t.find("constraint");
  if (c == t.end() || !c->is_object()) return type_error(field + ".constraint", "an object {operator, value}");
  auto op = string_field(*c, "operator", field + ".constraint.operator", "matches");
  if (!op) return op.error();
  out.op = std::move(*op);
  auto value = string_field(*c, "value", field + ".constraint.value", nullptr);
  if (!value) return value.error();
  out.value = std::move(*value);
  return out;
}

Result<control::PageRuleInput::Action> action_of(const json& a, const std::string& field) {
  if (!a.is_object()) return type_error(field, "an object {id, value}");
  control::PageRuleInput::Action out;
  auto id = string_field(a, "id", field + ".id", nullptr);
  if (!id) return id.error();
  out.id = std::move(*id);
  if (out.id != "forwarding_url") return out;
  auto v = a.find("value");
  if (v == a.end() || v->is_null()) return out;
  if (!v->is_object()) return type_error(field + ".value", "an object {url, status_code}");
  out.has_value = true;
  if (auto u = v->find("url"); u != v->end() && !u->is_null()) {
    if (!u->is_string()) return type_error(field + ".value.url", "a string");
    out.url = u->get<std::string>();
  }
  if (auto s = v->find("status_code"); s != v->end() && !s->is_null()) {
    auto code = integer(*s, field + ".value.status_code");
    if (!code) return code.error();
    out.status_code = *code;
  }
  return out;
}

template <typename T, typename F>
Result<std::optional<std::vector<T>>> list_of(const json& b, const char* key, F each) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) return std::optional<std::vector<T>>();
  if (!it->is_array()) return type_error(key, "an array");
  std::vector<T> out;
  for (size_t i = 0; i < it->size(); ++i) {
    auto one = each((*it)[i], std::string(key) + "[" + std::to_string(i) + "]");
    if (!one) return one.error();
    out.push_back(std::move(*one));
  }
  return std::optional<std::vector<T>>(std::move(out));
}

HttpResponse answer(const Result<store::PageRuleRow>& r, const std::vector<control::ApiMessage>& messages) {
  if (!r) return fail(r.error());
  return reply(200, success(page_rule_json(*r), messages));
}

HttpResponse write(Call& x, bool replace) {
  auto body = json_body(x);
  if (!body) return fail(body.error());
  auto in = page_rule_input(*body);
  if (!in) return fail(in.error());
  std::vector<control::ApiMessage> messages;
  const std::string& zone_id = x.zone->zone.id;
  if (x.id.empty()) return answer(x.c.create_page_rule(zone_id, *in, x.write, &messages), messages);
  return answer(x.c.update_page_rule(zone_id, x.id, *in, replace, x.write, &messages), messages);
}

}  // namespace

Result<control::PageRuleInput> page_rule_input(const json& b) {
  if (!b.is_object()) return Error{"Request body is invalid: a page rule must be a JSON object", kInvalidBody};
  control::PageRuleInput in;
  auto targets = list_of<control::PageRuleInput::Target>(b, "targets", target_of);
  if (!targets) return targets.error();
  in.targets = std::move(*targets);
  auto actions = list_of<control::PageRuleInput::Action>(b, "actions", action_of);
  if (!actions) return actions.error();
  in.actions = std::move(*actions);
  if (auto p = b.find("priority"); p != b.end() && !p->is_null()) {
    auto v = integer(*p, "priority");
    if (!v) return v.error();
    in.priority = *v;
  }
  if (auto s = b.find("status"); s != b.end() && !s->is_null()) {
    if (!s->is_string()) return type_error("status", "a string (active or disabled)");
    in.status = s->get<std::string>();
  }
  return in;
}

OJson page_rule_json(const store::PageRuleRow& r) {
  OJson o;
  o["id"] = r.id;
  o["targets"] =
      OJson::array({OJson{{"target", "url"}, {"constraint", {{"operator", "matches"}, {"value", r.pattern}}}}});
  o["actions"] =
      OJson::array({OJson{{"id", "forwarding_url"}, {"value", {{"url", r.url}, {"status_code", r.status_code}}}}});
  o["priority"] = r.priority;
  o["status"] = r.status;
  o["created_on"] = r.created_on;
  o["modified_on"] = r.modified_on;
  return o;
}

HttpResponse list_page_rules(Call& x) {
  auto all = x.c.page_rules(x.zone->zone.id);
  if (!all) return fail(all.error());
  const auto status = x.query.get("status");
  if (status && *status != "active" && *status != "disabled") {
    return fail(Error{"status must be active or disabled", errc::kBadQuery});
  }
  const std::string order = x.query.get("order").value_or("priority");
  if (order != "priority" && order != "status") return fail(Error{"order must be priority or status", errc::kBadQuery});
  const std::string direction = x.query.get("direction").value_or("desc");
  if (direction != "asc" && direction != "desc") return fail(Error{"direction must be asc or desc", errc::kBadQuery});
  if (const auto m = x.query.get("match"); m && *m != "any" && *m != "all") {
    return fail(Error{"match must be any or all", errc::kBadQuery});
  }
  std::erase_if(*all, [&](const store::PageRuleRow& r) { return status && r.status != *status; });
  // Ties stay in the order rules apply in: the higher priority, then the older first.
  std::stable_sort(all->begin(), all->end(), [](const auto& a, const auto& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.created_on < b.created_on;
  });
  auto less = [&](const store::PageRuleRow& a, const store::PageRuleRow& b) {
    return order == "status" ? a.status < b.status : a.priority < b.priority;
  };
  std::stable_sort(all->begin(), all->end(),
                   [&](const auto& a, const auto& b) { return direction == "asc" ? less(a, b) : less(b, a); });
  OJson out = OJson::array();
  for (const auto& r : *all) out.push_back(page_rule_json(r));
  return reply(200, success(out));
}

HttpResponse create_page_rule(Call& x) { return write(x, true); }

HttpResponse get_page_rule(Call& x) { return answer(x.c.page_rule(x.zone->zone.id, x.id), {}); }

HttpResponse put_page_rule(Call& x) { return write(x, true); }

HttpResponse patch_page_rule(Call& x) { return write(x, false); }

HttpResponse delete_page_rule(Call& x) {
  std::vector<control::ApiMessage> messages;
  if (auto r = x.c.delete_page_rule(x.zone->zone.id, x.id, x.write, &messages); !r) return fail(r.error());
  return reply(200, success(OJson{{"id", x.id}}, messages));
}

}  // namespace dnsedge::api
