"""Durability: kill -9 during a stream of acknowledged writes; after a restart every
acknowledged write is there (the API answers only after the commit's fsync and the publish).
File-backed zones: listed, read-only, and reloaded on SIGHUP."""

import signal
import threading
import time

from apihelp import Server


def test_kill9_keeps_every_acknowledged_write(tmp_path):
    s = Server(tmp_path).start()
    zid = s.create_zone("example.com")
    acked: dict[str, str] = {}  # record id → name
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n):
        i = 0
        while not stop.is_set():
            name = f"w{n}-{i}"
            try:
                r = s.post(f"/zones/{zid}/dns_records", {"name": name, "type": "A", "content": "192.0.2.1"},
                           timeout=5)
            except Exception:
                return  # the server died mid-request: not acknowledged
            if r.status == 200:
                with lock:
                    acked[r.result["id"]] = name + ".example.com"
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 20
    while time.time() < deadline:
        with lock:
            if len(acked) >= 60:
                break
        time.sleep(0.02)
    s.kill9()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) >= 20, "too few writes acknowledged before the kill"

    s.start()
    stored = {r["id"]: r["name"] for r in s.records(zid)}
    missing = {k: v for k, v in acked.items() if stored.get(k) != v}
    assert not missing, f"{len(missing)} acknowledged writes lost"
    # And DNS serves them.
    for name in list(acked.values())[:10]:
        assert s.answer(name + ".") == ["192.0.2.1"]
    s.stop()


ZONE = """$ORIGIN files.test.
$TTL 300
@    IN SOA ns1.files.test. hostmaster.files.test. 7 3600 600 86400 300
@    IN NS  ns1.files.test.
ns1  IN A   192.0.2.53
www  IN A   192.0.2.80
"""


def test_file_backed_zone_is_listed_and_read_only(tmp_path):
    zf = tmp_path / "files.test.zone"
    zf.write_text(ZONE)
    s = Server(tmp_path, zone_files=[zf]).start()
    try:
        zones = s.get("/zones").result
        assert [z["name"] for z in zones] == ["files.test"]
        z = zones[0]
        assert z["meta"]["file_backed"] is True and z["name_servers"] == ["ns1.files.test"]
        recs = s.records(z["id"])
        assert {(r["name"], r["type"], r["content"]) for r in recs} == {
            ("files.test", "NS", "ns1.files.test"), ("ns1.files.test", "A", "192.0.2.53"),
            ("www.files.test", "A", "192.0.2.80")}
        r = s.post(f"/zones/{z['id']}/dns_records", {"name": "x", "type": "A", "content": "192.0.2.1"})
        assert r.status == 400 and r.error_codes() == [1010]
        assert "file" in r.json["errors"][0]["message"]
        rid = recs[0]["id"]
        assert s.delete(f"/zones/{z['id']}/dns_records/{rid}").error_codes() == [1010]
        assert s.patch(f"/zones/{z['id']}/settings/cname_flattening", {"value": "flatten_all"}).status == 400
        assert s.delete(f"/zones/{z['id']}").status == 400
        r = s.post("/zones", {"name": "files.test"})
        assert r.status == 400 and r.error_codes() == [1061]
        assert s.get(f"/zones/{z['id']}/dns_records/export").status == 200
        # An API zone next to it; both serve.
        api_zone = s.create_zone("api.test")
        s.add(api_zone, name="www", type="A", content="192.0.2.81")
        assert s.answer("www.api.test.") == ["192.0.2.81"]
        assert s.answer("www.files.test.") == ["192.0.2.80"]
        # SIGHUP reloads the file; the API zone stays; the file zone keeps its id.
        zf.write_text(ZONE.replace("192.0.2.80", "192.0.2.88").replace(" 7 ", " 8 "))
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline and s.answer("www.files.test.") != ["192.0.2.88"]:
            time.sleep(0.05)
        assert s.answer("www.files.test.") == ["192.0.2.88"]
        assert s.answer("www.api.test.") == ["192.0.2.81"]
        assert z["id"] in [x["id"] for x in s.get("/zones").result]
        assert "192.0.2.88" in [r["content"] for r in s.records(z["id"])]
    finally:
        s.stop()
