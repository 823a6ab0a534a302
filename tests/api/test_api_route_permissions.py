"""Every endpoint docs/api.md lists has a permission in its "Permission of each route" table, and
the server enforces it: a token holding every permission group but that one (and, for a read, its
Write sibling) gets 403; a token holding only that group gets past the check (any answer but 403).
"""

from __future__ import annotations

import pathlib
import re

from apihelp import server  # noqa: F401 (fixture)

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "api.md"
ENDPOINT = re.compile(r"^([A-Z]+(?:/[A-Z]+)*) (/\S*)$")
DUMMY = "0" * 32


def pattern(path: str) -> str:
    """/zones/{id}/dns_records/{rid} -> /zones/{zone_id}/dns_records/{id}."""
    segs = path.strip("/").split("/")
    out = []
    for i, s in enumerate(segs):
        if s.startswith("{"):
            prev = segs[i - 1] if i else ""
            s = {"zones": "{zone_id}", "accounts": "{account_id}"}.get(prev, "{id}")
        out.append(s)
    return "/" + "/".join(out)


def endpoints_in(lines) -> set[tuple[str, str]]:
    out = set()
    for line in lines:
        if not line.startswith("| `"):
            continue
        first = line.split("|")[1]
        for item in re.findall(r"`([^`]+)`", first):
            m = ENDPOINT.match(item.strip())
            if not m:
                continue
            for method in m.group(1).split("/"):
                out.add((method, pattern(m.group(2))))
    return out


def doc_tables():
    lines = DOC.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("### Permission of each route"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("#"))
    perm_lines = lines[start:end]
    documented = endpoints_in(lines[:start] + lines[end:])
    perms = {}
    for line in perm_lines:
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.split("|")]
        for ep in endpoints_in([line]):
            perms[ep] = cells[2]
    return documented, perms


def test_every_documented_route_has_a_permission():
    documented, perms = doc_tables()
    assert len(documented) > 40
    missing = sorted(documented - set(perms))
    assert not missing, f"routes without a permission in docs/api.md: {missing}"


def test_every_route_enforces_its_permission(server):
    s = server
    documented, perms = doc_tables()
    groups = s.get("/user/tokens/permission_groups").result
    by_name = {g["name"]: g for g in groups}
    acct = s.get("/accounts").result[0]["id"]
    zone = s.create_zone("walk.example")
    victim = s.create_zone("victim.example")
    resources = {"com.cloudflare.api.account.zone": {"com.cloudflare.api.account.zone.*": "*"},
                 "com.cloudflare.api.account": {"com.cloudflare.api.account.*": "*"},
                 "com.cloudflare.api.user": {"com.cloudflare.api.user.*": "*"}}
    cache = {}

    def token(names: tuple[str, ...]) -> str:
        if names not in cache:
            policies = []
            for scope, res in resources.items():
                ids = [{"id": by_name[n]["id"]} for n in names if by_name[n]["scopes"] == [scope]]
                if ids:
                    policies.append({"effect": "allow", "permission_groups": ids, "resources": res})
            r = s.post("/user/tokens", {"name": "walk", "policies": policies})
            assert r.status == 200, (names, r)
            cache[names] = r.result["value"]
        return cache[names]

    def call(method, pat, tok):
        zid = victim if (method, pat) == ("DELETE", "/zones/{zone_id}") else zone
        path = pat.replace("{zone_id}", zid).replace("{account_id}", acct).replace("{id}", DUMMY)
        if path.endswith("/mail_doctor"):
            path += "?offline=true"
        body = {} if method in ("POST", "PUT", "PATCH") else None
        return s.request(method, path, body, token=tok)

    everything = tuple(g["name"] for g in groups)
    checked = 0
    # deleting the victim zone last keeps the zone the other routes use
    for method, pat in sorted(documented, key=lambda e: (e == ("DELETE", "/zones/{zone_id}"), e)):
        need = perms[(method, pat)]
        if need.startswith("any token"):
            r = call(method, pat, token(("DNS Read",)))
            assert r.status != 403, (method, pat, r)
            continue
        if need.startswith("any zone permission"):
            zone_groups = tuple(n for n in everything if by_name[n]["scopes"] == ["com.cloudflare.api.account.zone"])
            without = tuple(n for n in everything if n not in zone_groups)
            with_ = ("Zone Read",)
        else:
            name = need.split(" (")[0]
            assert name in by_name, (method, pat, need)
            drop = {name}
            if name.endswith(" Read"):
                drop.add(name[: -len("Read")] + "Write")  # write includes read
            without = tuple(n for n in everything if n not in drop)
            with_ = (name,)
        denied = call(method, pat, token(without))
        assert denied.status == 403, (method, pat, "without", need, denied)
        allowed = call(method, pat, token(with_))
        assert allowed.status != 403, (method, pat, "with", need, allowed)
        checked += 1
    assert checked > 40
    assert s.get(f"/zones/{victim}").status == 404  # the DELETE went through with Zone Write
