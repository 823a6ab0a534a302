"""The small zone `signed.test.` the DNSSEC suites sign online ([[dnssec]]): an apex with SOA
and NS, the name server's address and one host, www."""

ZONE = """$ORIGIN signed.test.
$TTL 300
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.80
"""
