#include "app/cli.h"

#include <gtest/gtest.h>

#include <deque>
#include <sstream>

namespace dnsedge::app::cli {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kZoneId = "0123456789abcdef0123456789abcdef";
constexpr const char* kRecId = "fedcba9876543210fedcba9876543210";

TEST(CliUrlTest, ParsesHostPortAndPrefix) {
  auto u = parse_api_url("http://127.0.0.1:8080/client/v4/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->prefix, "/client/v4");
  u = parse_api_url("http://[::1]:9/client/v4");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9");
  u = parse_api_url("http://localhost");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->prefix, "");
}

TEST(CliUrlTest, RejectsOtherSchemesAndBadPorts) {
  for (const char* bad : {"https://127.0.0.1/client/v4", "127.0.0.1:8080", "http://:80/", "http://h:0/",
                          "http://h:99999/", "http://h:8x/", "http://[::1/", "http://h/x?y=1"}) {
    auto u = parse_api_url(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, kExitUsage) << bad;
  }
}

TEST(CliUrlTest, EncodesQueryValues) {
  EXPECT_EQ(url_encode("a b&c=\"d\"/é"), "a%20b%26c%3D%22d%22%2F%C3%A9");
  EXPECT_EQ(query_string({{"name", "www.example.com"}, {"content", "v=spf1 -all"}}),
            "?name=www.example.com&content=v%3Dspf1%20-all");
}

TEST(CliMappingTest, RecordNamesAreQualifiedLikeTheApi) {
  EXPECT_EQ(record_fqdn("@", "example.com"), "example.com");
  EXPECT_EQ(record_fqdn("www", "example.com"), "www.example.com");
  EXPECT_EQ(record_fqdn("WWW.Example.COM.", "example.com"), "www.example.com");
  EXPECT_EQ(record_fqdn("example.com", "example.com"), "example.com");
  EXPECT_EQ(record_fqdn("_sip._tcp", "example.com"), "_sip._tcp.example.com");
  EXPECT_EQ(record_fqdn("notexample.com", "example.com"), "notexample.com.example.com");
}

TEST(CliMappingTest, ZoneAddBody) {
  Args a;
  a.zone = "Example.com";
  a.account = "acc";
  a.zone_type = "FULL";
  auto c = zone_add_call(a);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->method, "POST");
  EXPECT_EQ(c->target, "/zones");
  EXPECT_EQ(c->content_type, "application/json");
  EXPECT_EQ(json::parse(c->body), json::parse(R"({"name":"Example.com","account":{"id":"acc"},"type":"full"})"));
  a.zone_type = "primary";
  EXPECT_EQ(zone_add_call(a).error().code, kExitUsage);
}

TEST(CliMappingTest, RecordAddBodyCarriesOnlyGivenFields) {
  Args a;
  a.name = "www";
  a.type = "a";
  a.content = "192.0.2.1";
  a.proxied_flag = true;
  auto c = record_add_call(kZoneId, a);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->method, "POST");
  EXPECT_EQ(c->target, std::string("/zones/") + kZoneId + "/dns_records");
  EXPECT_EQ(json::parse(c->body), json::parse(R"({"name":"www","type":"A","content":"192.0.2.1","proxied":true})"));

  Args srv;
  srv.name = "_sip._tcp";
  srv.type = "SRV";
  srv.data = R"({"priority":10,"weight":5,"port":5060,"target":"sip.example.com"})";
  srv.ttl = "auto";
  srv.comment = "voice";
  c = record_add_call(kZoneId, srv);
  ASSERT_TRUE(c);
  EXPECT_EQ(json::parse(c->body),
            json::parse(R"({"name":"_sip._tcp","type":"SRV","ttl":1,"comment":"voice",
                           "data":{"priority":10,"weight":5,"port":5060,"target":"sip.example.com"}})"));

  Args mx;
  mx.name = "@";
  mx.type = "MX";
  mx.content = "mail.example.com";
  mx.priority = "10";
  mx.ttl = "3600";
  c = record_add_call(kZoneId, mx);
  ASSERT_TRUE(c);
  EXPECT_EQ(json::parse(c->body),
            json::parse(R"({"name":"@","type":"MX","content":"mail.example.com","ttl":3600,"priority":10})"));
}

TEST(CliMappingTest, RecordAddRejectsBadFlagValues) {
  Args a;
  a.name = "www";
  a.type = "A";
  EXPECT_EQ(record_add_call(kZoneId, a).error().code, kExitUsage);  // no content, no data
  a.content = "192.0.2.1";
  a.ttl = "soon";
  EXPECT_EQ(record_add_call(kZoneId, a).error().code, kExitUsage);
  a.ttl.reset();
  a.priority = "-1";
  EXPECT_EQ(record_add_call(kZoneId, a).error().code, kExitUsage);
  a.priority = "70000";
  EXPECT_EQ(record_add_call(kZoneId, a).error().code, kExitUsage);
  a.priority.reset();
  a.data = "[1,2]";
  auto r = record_add_call(kZoneId, a);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("JSON object"), std::string::npos);
  a.data = "{not json";
  EXPECT_EQ(record_add_call(kZoneId, a).error().code, kExitUsage);
}

TEST(CliMappingTest, RecordSetIsAPatchOfTheGivenFields) {
  Args a;
  EXPECT_EQ(record_set_call(kZoneId, kRecId, a).error().code, kExitUsage);  // nothing to change
  a.proxied = "False";
  a.ttl = "300";
  a.new_name = "web";
  auto c = record_set_call(kZoneId, kRecId, a);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->method, "PATCH");
  EXPECT_EQ(c->target, std::string("/zones/") + kZoneId + "/dns_records/" + kRecId);
  EXPECT_EQ(json::parse(c->body), json::parse(R"({"ttl":300,"proxied":false,"name":"web"})"));
  a.proxied = "maybe";
  EXPECT_EQ(record_set_call(kZoneId, kRecId, a).error().code, kExitUsage);
}

TEST(CliMappingTest, RecordListQuery) {
  Args a;
  a.type = "txt";
  a.name = "@";
  auto c = record_list_call(kZoneId, a, 1);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->method, "GET");
  EXPECT_EQ(c->target, std::string("/zones/") + kZoneId + "/dns_records?type=TXT&name=%40&page=1&per_page=100");
  a.all_pages = true;
  EXPECT_EQ(record_list_call(kZoneId, a, 3)->target,
            std::string("/zones/") + kZoneId + "/dns_records?type=TXT&name=%40&page=3&per_page=5000");
  a.per_page = "0";
  EXPECT_EQ(record_list_call(kZoneId, a, 1).error().code, kExitUsage);
  a.per_page = "1";
  a.page = "2";
  EXPECT_EQ(record_list_call(kZoneId, a, 1).error().code, kExitUsage);  // --page with --all
}

TEST(CliMappingTest, ImportIsMultipartWithTheFileAndProxied) {
  const std::string file = "www 300 IN A 192.0.2.1\n";
  auto c = import_call(kZoneId, file, std::string("TRUE"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->method, "POST");
  EXPECT_EQ(c->target, std::string("/zones/") + kZoneId + "/dns_records/import");
  const std::string prefix = "multipart/form-data; boundary=";
  ASSERT_EQ(c->content_type.rfind(prefix, 0), 0u);
  const std::string boundary = c->content_type.substr(prefix.size());
  EXPECT_EQ(file.find(boundary), std::string::npos);
  EXPECT_NE(c->body.find("name=\"file\"; filename=\"zone.txt\"\r\nContent-Type: text/plain\r\n\r\n" + file + "\r\n--" +
                         boundary),
            std::string::npos);
  EXPECT_NE(c->body.find("name=\"proxied\"\r\n\r\ntrue\r\n--" + boundary + "--\r\n"), std::string::npos);
  EXPECT_EQ(import_call(kZoneId, file, std::string("yes")).error().code, kExitUsage);
  c = import_call(kZoneId, file, std::nullopt);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->body.find("proxied"), std::string::npos);
}

TEST(CliTableTest, AlignsColumnsAndTrimsTheLastOne) {
  const std::string t = format_table({"ID", "NAME", "X"}, {{"1", "example.com", "a"}, {"22", "w", ""}});
  EXPECT_EQ(t,
            "ID  NAME         X\n"
            "1   example.com  a\n"
            "22  w\n");
  EXPECT_EQ(format_table({"ID", "NAME"}, {}), "ID  NAME\n");
}

TEST(CliTableTest, RecordAndZoneRows) {
  const json rec = json::parse(R"({"id":"abc","name":"example.com","type":"MX","content":"mail.example.com",
                                   "priority":10,"ttl":1,"proxiable":false,"proxied":false})");
  EXPECT_EQ(record_row(rec), (std::vector<std::string>{"abc", "example.com", "MX", "mail.example.com", "10", "auto", "-"}));
  const json a = json::parse(R"({"id":"x","name":"www.example.com","type":"A","content":"192.0.2.1","ttl":300,
                                 "proxiable":true,"proxied":true})");
  EXPECT_EQ(record_row(a), (std::vector<std::string>{"x", "www.example.com", "A", "192.0.2.1", "", "300", "yes"}));
  const json z = json::parse(R"({"id":"z","name":"example.org","status":"active",
                                 "meta":{"file_backed":true,"file":"/etc/example.org.zone"}})");
  EXPECT_EQ(zone_row(z), (std::vector<std::string>{"z", "example.org", "active", "file /etc/example.org.zone"}));
  EXPECT_EQ(zone_row(json::parse(R"({"id":"y","name":"a.test","status":"active"})"))[3], "api");
}

// Replays canned replies and records the requests, to check the request sequence of a command
// (lookups by name) and how replies are reported. The real transport is covered by tests/api/test_cli.py.
class ScriptedTransport final : public ApiTransport {
 public:
  std::deque<HttpReply> replies;
  std::vector<HttpCall> calls;
  Result<HttpReply> send(const HttpCall& call) override {
    calls.push_back(call);
    if (replies.empty()) return make_error("cannot reach the API at test: connect: refused");
    HttpReply r = replies.front();
    replies.pop_front();
    return r;
  }
  void reply(int status, const json& body) { replies.push_back({status, "application/json", body.dump()}); }
};

json envelope(const json& result, const json& messages = json::array()) {
  return {{"success", true}, {"errors", json::array()}, {"messages", messages}, {"result", result}};
}

TEST(CliRunTest, RecordRmByNameLooksUpZoneThenRecord) {
  ScriptedTransport t;
  t.reply(200, envelope(json::array({{{"id", kZoneId}, {"name", "example.com"}}})));
  t.reply(200, envelope(json::array({{{"id", kRecId}, {"name", "www.example.com"}, {"type", "A"}}})));
  t.reply(200, envelope({{"id", kRecId}}));
  Args a;
  a.command = Command::kRecordRm;
  a.zone = "Example.com.";
  a.record = "www";
  a.type = "a";
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(run(a, t, in, out, err), 0) << err.str();
  ASSERT_EQ(t.calls.size(), 3u);
  EXPECT_EQ(t.calls[0].target, "/zones?name=example.com");
  EXPECT_EQ(t.calls[1].target,
            std::string("/zones/") + kZoneId + "/dns_records?name=www.example.com&type=A&per_page=50000");
  EXPECT_EQ(t.calls[2].method, "DELETE");
  EXPECT_EQ(t.calls[2].target, std::string("/zones/") + kZoneId + "/dns_records/" + kRecId);
  EXPECT_EQ(out.str(), std::string("deleted record ") + kRecId + "\n");
}

TEST(CliRunTest, AmbiguousNameIsRefusedWithTheCandidates) {
  ScriptedTransport t;
  t.reply(200, envelope({{"id", kZoneId}, {"name", "example.com"}}));  // GET /zones/{id}: its name
  t.reply(200, envelope(json::array({{{"id", "r1"}, {"name", "example.com"}, {"type", "MX"}, {"content", "a"}},
                                     {{"id", "r2"}, {"name", "example.com"}, {"type", "TXT"}, {"content", "b"}}})));
  Args a;
  a.command = Command::kRecordRm;
  a.zone = kZoneId;
  a.record = "example.com";
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(run(a, t, in, out, err), kExitFailed);
  ASSERT_EQ(t.calls.size(), 2u);  // GET zone (for its name), GET records; no DELETE
  EXPECT_EQ(t.calls[0].target, std::string("/zones/") + kZoneId);
  EXPECT_EQ(t.calls[1].target, std::string("/zones/") + kZoneId + "/dns_records?name=example.com&per_page=50000");
  EXPECT_NE(err.str().find("matches 2 records"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("r2"), std::string::npos);
  EXPECT_TRUE(out.str().empty());
}

TEST(CliRunTest, ApiErrorsAndMessagesGoToStderr) {
  ScriptedTransport t;
  json fail = {{"success", false},
               {"errors", json::array({{{"code", 81058}, {"message", "An identical record already exists."}}})},
               {"messages", json::array()},
               {"result", nullptr}};
  t.reply(400, fail);
  Args a;
  a.command = Command::kRecordAdd;
  a.zone = kZoneId;
  a.name = "www";
  a.type = "A";
  a.content = "192.0.2.1";
  a.token = "secret-token";
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(run(a, t, in, out, err), kExitFailed);
  EXPECT_EQ(err.str(), "dnsedge: error 81058: An identical record already exists.\n");

  t.reply(200, envelope({{"id", kRecId}, {"name", "example.com"}, {"type", "MX"}, {"content", "example.com"}},
                        json::array({{{"code", 1100}, {"message", "answered through dc-1234abcd.example.com"}}})));
  a.json = true;
  std::ostringstream out2, err2;
  EXPECT_EQ(run(a, t, in, out2, err2), 0);
  EXPECT_EQ(err2.str(), "dnsedge: note 1100: answered through dc-1234abcd.example.com\n");
  EXPECT_EQ(json::parse(out2.str())["id"], kRecId);
  EXPECT_EQ(err.str().find("secret-token"), std::string::npos);
}

TEST(CliRunTest, UnreachableAndNonJsonRepliesFail) {
  ScriptedTransport t;
  Args a;
  a.command = Command::kZoneList;
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(run(a, t, in, out, err), kExitFailed);
  EXPECT_NE(err.str().find("cannot reach the API"), std::string::npos);
  t.replies.push_back({502, "text/html", "<html>bad gateway</html>"});
  std::ostringstream err2;
  EXPECT_EQ(run(a, t, in, out, err2), kExitFailed);
  EXPECT_NE(err2.str().find("unexpected reply from the API"), std::string::npos);
  EXPECT_NE(err2.str().find("HTTP 502"), std::string::npos);
}

TEST(CliRunTest, ZoneImportReadsStdin) {
  ScriptedTransport t;
  t.reply(200, envelope({{"recs_added", 1}, {"total_records_parsed", 1}}));
  Args a;
  a.command = Command::kZoneImport;
  a.zone = kZoneId;
  a.file = "-";
  std::istringstream in("www 300 IN A 192.0.2.7\n");
  std::ostringstream out, err;
  EXPECT_EQ(run(a, t, in, out, err), 0) << err.str();
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_NE(t.calls[0].body.find("www 300 IN A 192.0.2.7\n"), std::string::npos);
  EXPECT_EQ(out.str(), std::string("imported 1 new record(s) of 1 parsed into ") + kZoneId + "\n");
}

}  // namespace
}  // namespace dnsedge::app::cli
