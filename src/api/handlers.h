#pragma once
// The handler of every endpoint, one function each, grouped by resource in the file named
// beside it. api/routes.cc lists them with their method, path and permission.

#include "api/http.h"

namespace dnsedge::api {

struct Call;

// accounts_api.cc: /user/tokens (api/tokens.h keeps the tokens)
HttpResponse verify_token(Call& x);
HttpResponse list_tokens(Call& x);
HttpResponse create_token(Call& x);
HttpResponse get_token(Call& x);
HttpResponse put_token(Call& x);
HttpResponse delete_token(Call& x);
HttpResponse roll_token(Call& x);
HttpResponse permission_groups(Call& x);
// accounts_api.cc: /accounts, the audit log (api/audit.h)
HttpResponse list_accounts(Call& x);
HttpResponse get_account(Call& x);
HttpResponse audit_logs(Call& x);

// zones_api.cc
HttpResponse list_zones(Call& x);
HttpResponse create_zone(Call& x);
HttpResponse get_zone(Call& x);
HttpResponse patch_zone(Call& x);
HttpResponse delete_zone(Call& x);

// records_api.cc
HttpResponse list_dns_records(Call& x);
HttpResponse create_record(Call& x);
HttpResponse get_record(Call& x);
HttpResponse patch_record(Call& x);
HttpResponse put_record(Call& x);
HttpResponse delete_record(Call& x);
HttpResponse batch_records(Call& x);
HttpResponse import_records(Call& x);
HttpResponse export_records(Call& x);
HttpResponse served_records(Call& x);

// doctor_api.cc
HttpResponse get_mail_doctor(Call& x);

// settings_api.cc
HttpResponse get_flattening(Call& x);
HttpResponse patch_flattening(Call& x);
HttpResponse get_dns_settings(Call& x);
HttpResponse patch_dns_settings(Call& x);

// dnssec_api.cc
HttpResponse get_dnssec(Call& x);
HttpResponse patch_dnssec(Call& x);
HttpResponse delete_dnssec(Call& x);

// spectrum_api.cc: Spectrum apps and the IP access rules they apply
HttpResponse list_apps(Call& x);
HttpResponse create_app(Call& x);
HttpResponse get_app(Call& x);
HttpResponse put_app(Call& x);
HttpResponse delete_app(Call& x);
HttpResponse list_access_rules(Call& x);
HttpResponse create_access_rule(Call& x);
HttpResponse delete_access_rule(Call& x);

// pagerules_api.cc: page rules (forwarding_url redirects at the edge)
HttpResponse list_page_rules(Call& x);
HttpResponse create_page_rule(Call& x);
HttpResponse get_page_rule(Call& x);
HttpResponse put_page_rule(Call& x);
HttpResponse patch_page_rule(Call& x);
HttpResponse delete_page_rule(Call& x);

// secondary_dns.cc: api/secondary_dns.h's SecondaryDns answers every method of these paths
HttpResponse secondary_dns_account(Call& x);
HttpResponse secondary_dns_zone(Call& x);

}  // namespace dnsedge::api
