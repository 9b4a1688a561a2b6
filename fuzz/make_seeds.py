#!/usr/bin/env python3
"""Regenerates the seed corpora under fuzz/corpus/ and the fixture header fuzz/test_pki.h.

The JWT and X.509 seeds only reach the success paths when they are signed by the keys the
targets trust, so the seeds and test_pki.h must always be regenerated together. Keys,
certificates, CSRs and signatures come from the openssl CLI: an implementation independent of
edgeid. Files the script does not name (saved crash inputs) are left alone.

    python3 fuzz/make_seeds.py
"""
import base64
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

FUZZ = pathlib.Path(__file__).resolve().parent
CORPUS = FUZZ / "corpus"
TD = "example.org"
JWT_KID = "fuzz-jwt-key"
WORKLOAD = f"spiffe://{TD}/ns/prod/sa/web"

# Extension profiles; $ENV::SAN and $ENV::KU let one section serve every leaf.
OPENSSL_CNF = """
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
subjectAltName = URI:spiffe://example.org
[intermediate_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = URI:spiffe://example.org
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $ENV::KU
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
"""


class Pki:
    def __init__(self, tmp):
        self.tmp = pathlib.Path(tmp)
        self.cnf = self.tmp / "openssl.cnf"
        self.cnf.write_text(OPENSSL_CNF)
        self.serial = 0x1000

    def run(self, *args, data=None, san=f"URI:{WORKLOAD}", ku="digitalSignature"):
        env = dict(os.environ, SAN=san, KU=ku)
        return subprocess.run(["openssl", *args], input=data, env=env, check=True,
                              capture_output=True).stdout

    def key(self, name, algorithm, *opts):
        path = self.tmp / f"{name}.key"
        pkeyopts = [x for o in opts for x in ("-pkeyopt", o)]
        self.run("genpkey", "-algorithm", algorithm, *pkeyopts, "-out", str(path))
        return path

    def ec_key(self, name, curve="P-256"):
        return self.key(name, "EC", f"ec_paramgen_curve:{curve}")

    # 36500 days: the validity reaches past 2050, so the seeds carry GeneralizedTime as well.
    def self_signed(self, name, key, subject, ext):
        path = self.tmp / f"{name}.pem"
        self.run("req", "-x509", "-new", "-config", str(self.cnf), "-key", str(key), "-subj",
                 subject, "-extensions", ext, "-days", "36500", "-set_serial", self._serial(),
                 "-out", str(path))
        return path

    def issue(self, name, key, issuer_cert, issuer_key, subject, ext="leaf_ext", digest="sha256",
              **env):
        csr = self.tmp / f"{name}.csr"
        path = self.tmp / f"{name}.pem"
        self.run("req", "-new", "-config", str(self.cnf), "-key", str(key), "-subj", subject,
                 "-out", str(csr))
        self.run("x509", "-req", "-in", str(csr), "-CA", str(issuer_cert), "-CAkey",
                 str(issuer_key), "-set_serial", self._serial(), "-days", "36500", f"-{digest}",
                 "-extfile", str(self.cnf), "-extensions", ext, "-out", str(path), **env)
        return path

    def csr(self, key, *args, subject="/CN=web", outform="DER", san=None):
        extra = ["-addext", f"subjectAltName={san}"] if san else []
        return self.run("req", "-new", "-config", str(self.cnf), "-key", str(key), "-subj",
                        subject, *extra, *args, "-outform", outform)

    def der(self, cert):
        return self.run("x509", "-in", str(cert), "-outform", "DER")

    def spki(self, key):
        return self.run("pkey", "-in", str(key), "-pubout", "-outform", "DER")

    def sign(self, key, digest, data):
        return self.run("dgst", f"-{digest}", "-sign", str(key), data=data)

    def _serial(self):
        self.serial += 1
        return str(self.serial)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ecdsa_der_to_raw(der, size):
    """JWS carries ECDSA signatures as fixed-size r || s (RFC 7518 §3.4), not DER."""
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(size, b"\0")
        i += 2 + n
    return out


def ec_jwk(pki, key, curve="P-256"):
    size = 32 if curve == "P-256" else 48
    point = pki.spki(key)[-(2 * size + 1):]
    assert point[0] == 4
    return {"kty": "EC", "crv": curve, "x": b64url(point[1:1 + size]), "y": b64url(point[1 + size:])}


def rsa_jwk(pki, key):
    modulus = pki.run("rsa", "-in", str(key), "-noout", "-modulus").decode().strip()
    n = bytes.fromhex(modulus.split("=", 1)[1])
    return {"kty": "RSA", "n": b64url(n), "e": b64url(b"\x01\x00\x01")}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def jws(pki, key, header, claims, digest="sha256", size=32, rsa=False):
    signing_input = f"{b64url(compact(header).encode())}.{b64url(compact(claims).encode())}"
    sig = pki.sign(key, digest, signing_input.encode())
    if not rsa:
        sig = ecdsa_der_to_raw(sig, size)
    return f"{signing_input}.{b64url(sig)}"


def write(target, name, data):
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def spiffe_id_seeds():
    long_path = "/" + "/".join(["segment-" + str(i).zfill(4) for i in range(180)])
    seeds = {
        "valid-workload": WORKLOAD,
        "valid-trust-domain-id": "spiffe://example.org",
        "valid-bare-trust-domain": "example.org",
        "valid-all-characters": "spiffe://a-b_c.0-9/AZ.az-09_/x.y",
        "valid-long": "spiffe://" + "t" * 255 + long_path[:2048 - 9 - 255],
        "bad-uppercase-td": "spiffe://Example.org/web",
        "bad-empty-segment": "spiffe://example.org/a//b",
        "bad-dot-segment": "spiffe://example.org/a/../b",
        "bad-trailing-slash": "spiffe://example.org/a/",
        "bad-uri-parts": "spiffe://user@example.org:8443/a?q=1#f",
        "bad-percent": "spiffe://example.org/caf%C3%A9",
        "bad-scheme": "https://example.org/web",
        "bad-too-long": "spiffe://example.org/" + "x" * 2040,
        "bad-non-ascii": "spiffe://example.org/caf\u00e9",
    }
    for name, text in seeds.items():
        write("spiffe_id_fuzz", name, text)


def crc16_x25(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def se_command(header, data=b""):
    frame = bytes([header]) + data
    return frame + crc16_x25(frame).to_bytes(2, "big")


def se_frame_seeds():
    """STSAFE-A110 command frames (header, data, CRC-16/X-25 most significant byte first)."""
    p256 = bytes.fromhex("2A8648CE3D030107")

    def prefixed(b):
        return len(b).to_bytes(2, "big") + b

    verify = (b"\x00" + prefixed(p256) + b"\x04" + prefixed(b"\x11" * 32) + prefixed(b"\x22" * 32)
              + prefixed(b"\x33" * 32) + prefixed(b"\x44" * 32) + prefixed(b"\x55" * 32))
    seeds = {
        "echo": se_command(0x00, b"hello"),
        "random-32": se_command(0x02, b"\x00\x20"),
        "read-zone0-header": se_command(0x05, b"\x00\x00\x00\x00\x00\x04"),
        "read-zone0-chunk": se_command(0x05, b"\x00\x00\x00\x04\x00\xfd"),
        "read-missing-zone": se_command(0x05, b"\x00\x09\x00\x00\x00\x04"),
        "update-zone1": se_command(0x06, b"\x00\x01\x00\x10calibration"),
        "query-life-cycle": se_command(0x14, b"\x08"),
        "query-product": se_command(0x14, b"\x11"),
        "query-partition": se_command(0x14, b"\x12"),
        "query-key-table": se_command(0x14, b"\x14"),
        "generate-signature": se_command(0x16, b"\x00" + prefixed(b"\x5a" * 32)),
        "verify-signature": se_command(0x17, verify),
        "with-cmac": se_command(0x80, b"abcdMAC!"),
        "unsupported": se_command(0x1C),
        "captured-query": bytes.fromhex("14078909"),
        "bad-crc": bytes.fromhex("14078908"),
        "captured-response": bytes.fromhex("00000902000100010100FC88"),
    }
    for name, data in seeds.items():
        write("se_frame_fuzz", name, data)


def link_seeds():
    """Device link frames: pairing messages (SMP channel 0x06), ATT PDUs (channel 0x04, handles
    little-endian, numbered as in the simulated device's table: temperature 0x0a and its
    configuration 0x0b, LED 0x14, element command 0x17) and a sealed-frame header."""
    def prefixed(b):
        return len(b).to_bytes(2, "big") + b

    hello = b"\x01" + b"\x6e" * 32 + b"\x04" + b"\x11" * 64 + prefixed(b"\x30\x03\x02\x01\x00")
    seeds = {
        "pairing-request": b"\x06\x01" + hello,
        "pairing-response": b"\x06\x02" + hello + prefixed(b"\x30\x06\x02\x01\x01\x02\x01\x01"),
        "pairing-failed": b"\x06\x05\x03",
        "dhkey-check": b"\x06\x0d" + prefixed(b"sig"),
        "att-error": b"\x04\x01\x0a\x12\x00\x05",
        "att-read": b"\x04\x0a\x0a\x00",
        "att-read-element": b"\x04\x0a\x17\x00",
        "att-read-response": b"\x04\x0b\xc1\x08",
        "att-write-led": b"\x04\x12\x14\x00\x01",
        "att-write-cccd": b"\x04\x12\x0b\x00\x01\x00",
        "att-write-element": b"\x04\x12\x17\x00" + bytes.fromhex("14078909"),
        "att-write-response": b"\x04\x13",
        "att-notification": b"\x04\x1b\x0c\x00\xc1\x08",
        "att-discover-services": b"\x04\x10\x01\x00\xff\xff\x00\x28",
        "att-services": b"\x04\x11\x06\x01\x00\x07\x00\x0a\x18",
        "att-discover-characteristics": b"\x04\x08\x01\x00\xff\xff\x03\x28",
        "att-characteristics": b"\x04\x09\x07\x02\x00\x02\x03\x00\x24\x2a",
        "sealed-header": b"\x80" + (0).to_bytes(8, "big") + b"\x00" * 17,
    }
    for name, data in seeds.items():
        write("link_fuzz", name, data)


DEVICE_MODEL_YAML = """apiVersion: devices.kubeedge.io/v1beta1
kind: DeviceModel
metadata:
  name: stwin-model
  namespace: factory
spec:
  protocol: ble
  properties:
    - name: temperature
      type: FLOAT
      accessMode: ReadOnly
      unit: celsius
      minimum: "-40"
      maximum: "85"
    - name: led
      type: BOOLEAN
      accessMode: ReadWrite
"""

DEVICE_YAML = """apiVersion: devices.kubeedge.io/v1beta1
kind: Device
metadata:
  name: thermo-1
  namespace: factory
spec:
  deviceModelRef:
    name: stwin-model
  nodeName: edge-1
  protocol:
    protocolName: ble
    configData:
      macAddress: "C0:FF:EE:00:00:01"
      socketPath: /run/devices/thermo-1.sock
      spiffeId: spiffe://example.org/device/thermo-1
      deviceId: 02A1B2C3D4E5F600112233
  properties:
    - name: temperature
      visitors:
        protocolName: ble
        configData:
          characteristicUUID: "2a6e"
      collectCycle: 500
      reportCycle: 5000
      reportToCloud: true
    - name: led
      desired:
        value: "true"
      visitors:
        protocolName: ble
        configData:
          characteristicUUID: "0x2A56"
"""


def mapper_seeds():
    """Twin deltas ("topic\\npayload"), Device files, and DMI messages (protoc --encode)."""
    t = "twin_delta_fuzz"
    topic = "$hw/events/device/plant-a/thermo-1/twin/update/delta"
    write(t, "valid", f'{topic}\n{{"event_id":"e1","timestamp":1700000000000,'
                      f'"delta":{{"led":"false","mode":"eco"}}}}')
    write(t, "kubeedge-full", f'{topic}\n' + compact({
        "event_id": "6b1c", "timestamp": 1700000000000,
        "twin": {"led": {"expected": {"value": "false", "metadata": {"timestamp": 1}},
                         "actual": {"value": "true"}, "metadata": {"type": "boolean"}}},
        "delta": {"led": "false"}}))
    write(t, "escaped-property", f'{topic}\n{{"delta":{{"l\\u0065d":"1"}}}}')
    write(t, "number-value", f'{topic}\n{{"delta":{{"led":1}}}}')
    write(t, "wrong-topic", '$hw/events/device/a/b/c/twin/update/delta\n{"delta":{"led":"1"}}')
    write(t, "empty-delta", f'{topic}\n{{"delta":{{}}}}')

    y = "device_yaml_fuzz"
    write(y, "model-and-device.yaml", DEVICE_MODEL_YAML + "---\n" + DEVICE_YAML)
    write(y, "model.yaml", DEVICE_MODEL_YAML)
    write(y, "flow-style.yaml",
          "{apiVersion: devices.kubeedge.io/v1beta1, kind: Device, metadata: {name: d},"
          " spec: {deviceModelRef: {name: m}, protocol: {protocolName: ble,"
          " configData: {socketPath: /s, spiffeId: 'spiffe://example.org/d'}},"
          " properties: [{name: p, visitors: {protocolName: ble,"
          " configData: {characteristicUUID: 2a00}}, collectCycle: 1}]}}\n")
    write(y, "anchors.yaml", "apiVersion: &v devices.kubeedge.io/v1beta1\nkind: DeviceModel\n"
                             "metadata: {name: &n m}\nspec:\n  properties:\n"
                             "    - &p {name: *n, type: INT}\n    - *p\n")
    write(y, "scalar-spec.yaml", "apiVersion: devices.kubeedge.io/v1beta1\nkind: Device\n"
                                 "metadata: {name: d}\nspec: 3\n")

    d = "dmi_convert_fuzz"
    string_value = 'type_url: "type.googleapis.com/google.protobuf.StringValue" value: "\\n\\x%02x%s"'
    any_string = lambda text: string_value % (len(text), text)
    device = f"""name: "thermo-1" namespace: "factory"
spec {{
  deviceModelReference: "stwin-model"
  protocol {{ protocolName: "ble" configData {{
    data {{ key: "socketPath" value {{ {any_string("/run/devices/thermo-1.sock")} }} }}
    data {{ key: "spiffeId" value {{ {any_string("spiffe://example.org/device/thermo-1")} }} }}
    data {{ key: "macAddress" value {{ type_url: "type.googleapis.com/google.protobuf.Value"
                                     value: "\\x11\\x00\\x00\\x00\\x00\\x00\\x00\\x45\\x40" }} }}
  }} }}
  properties {{ name: "temperature" visitors {{ protocolName: "ble" configData {{
    data {{ key: "characteristicUUID" value {{ {any_string("2a6e")} }} }} }} }}
    reportCycle: 5000 collectCycle: 500 reportToCloud: true }}
  properties {{ name: "led" desired {{ value: "true" }} visitors {{ protocolName: "ble"
    configData {{ data {{ key: "characteristicUUID" value {{
      type_url: "type.googleapis.com/google.protobuf.Int64Value" value: "\\x08\\x80\\x20" }} }} }} }} }}
}}"""
    model = """name: "stwin-model" namespace: "factory"
spec { properties { name: "temperature" type: "FLOAT" accessMode: "ReadOnly" unit: "celsius"
                    minimum: "-40" maximum: "85" }
       properties { name: "led" type: "BOOLEAN" accessMode: "ReadWrite" } }"""
    encode = lambda message, text: subprocess.run(
        ["protoc", f"--encode=v1beta1.{message}", f"-I{FUZZ.parent / 'proto'}",
         "dmi/v1beta1/api.proto"], input=text.encode(), check=True,
        capture_output=True).stdout
    write(d, "device", b"\x01" + encode("Device", device))
    write(d, "device-model", b"\x00" + encode("DeviceModel", model))
    write(d, "device-no-socket", b"\x01" + encode("Device", 'name: "d" spec { '
                                                   'deviceModelReference: "m" protocol { '
                                                   'protocolName: "ble" } }'))


def journal_seeds():
    """MQTT queue files: as written (raw, form byte 0x00) and as bodies to frame (0x01)."""
    import hashlib
    import struct

    def body_publish(seq, topic, payload):
        return b"P" + struct.pack(">QH", seq, len(topic)) + topic + payload

    def body_ack(seq):
        return b"A" + struct.pack(">Q", seq)

    def frame(body):
        return struct.pack(">Q", len(body)) + body + hashlib.sha256(body).digest()[:8]

    j = "message_journal_fuzz"
    records = [body_publish(1, b"$ke/events/device/default/d/data/update", b'{"data":{}}'),
               body_publish(2, b"t/b", b"two"), body_ack(1), body_publish(3, b"", b"")]
    raw = b"".join(frame(r) for r in records)
    write(j, "raw-publish-ack", b"\x00" + raw)
    write(j, "raw-torn-tail", b"\x00" + raw[:-5])
    write(j, "raw-bad-checksum", b"\x00" + raw[:-1] + bytes([raw[-1] ^ 1]))
    framed = lambda *bodies: b"\x01" + b"".join(bytes([len(b)]) + b for b in bodies)
    write(j, "framed-publish-ack", framed(*records[1:]))
    write(j, "framed-unknown-type", framed(body_publish(4, b"t", b"x"), b"Z" + bytes(8)))
    write(j, "framed-ack-trailing", framed(body_ack(2) + b"x"))


def proc_seeds():
    """/proc/<pid>/stat and status texts, as Linux 6.1 writes them."""
    p = "proc_fuzz"
    write(p, "stat", "4242 (sh) S 1 4242 4242 34816 4242 4194560 126 0 0 0 0 0 0 0 20 0 1 0 "
                     "8123456 2506752 221 18446744073709551615 1 1 0 0 0 0 0 4 65538 0 0 0 17 "
                     "1 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
    write(p, "stat-odd-name", "77 (a) b (c) d) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
                              "99 0\n")
    write(p, "status", "Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\n"
                       "Pid:\t4242\nPPid:\t1\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\n"
                       "Gid:\t1000\t1000\t1000\t1000\nFDSize:\t64\nGroups:\t24 25 27 1000 \n"
                       "NStgid:\t4242\nNSpid:\t4242\nVmPeak:\t    2480 kB\n")
    write(p, "status-no-groups", "Name:\tx\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n")
    write(p, "status-wide-uid", "Name:\tx\nUid:\t0\t4294967296\t0\t0\nGid:\t0\t0\t0\t0\n")


def main():
    se_frame_seeds()
    link_seeds()
    mapper_seeds()
    journal_seeds()
    proc_seeds()
    now = int(time.time())
    # A day later, so tokens issued "now" and certificates valid from "now" are all current.
    fuzz_now = now + 86400
    with tempfile.TemporaryDirectory() as tmp:
        pki = Pki(tmp)
        ca_key = pki.ec_key("ca")
        ca = pki.self_signed("ca", ca_key, "/O=edgeid fuzz/CN=edgeid fuzz CA", "ca_ext")
        inter_key = pki.ec_key("inter", "P-384")
        inter = pki.issue("inter", inter_key, ca, ca_key, "/O=edgeid fuzz/CN=intermediate",
                          ext="intermediate_ext")
        rsa_ca_key = pki.key("rsa-ca", "RSA", "rsa_keygen_bits:2048")
        rsa_ca = pki.self_signed("rsa-ca", rsa_ca_key, "/CN=edgeid fuzz RSA CA", "ca_ext")
        jwt_key = pki.ec_key("jwt")

        # X.509 target: chains that verify against the CA, and leaves that break one rule each.
        leaf_key = pki.ec_key("leaf")
        leaf = pki.issue("leaf", leaf_key, ca, ca_key, "/CN=web",
                         san=f"URI:{WORKLOAD},DNS:web.example.org")
        rsa_leaf_key = pki.key("rsa-leaf", "RSA", "rsa_keygen_bits:2048")
        rsa_leaf = pki.issue("rsa-leaf", rsa_leaf_key, ca, ca_key, "/CN=rsa",
                             ku="digitalSignature, keyEncipherment")
        ed_leaf_key = pki.key("ed-leaf", "ED25519")
        ed_leaf = pki.issue("ed-leaf", ed_leaf_key, ca, ca_key, "/CN=ed25519")
        edge_key = pki.ec_key("edge")
        edge = pki.issue("edge", edge_key, inter, inter_key, "/CN=device",
                         san="URI:spiffe://example.org/edge/device-42", digest="sha384")
        two_uris = pki.issue("two-uris", leaf_key, ca, ca_key, "/CN=two",
                             san="URI:spiffe://example.org/a,URI:spiffe://example.org/b")
        cert_sign = pki.issue("cert-sign", leaf_key, ca, ca_key, "/CN=signer",
                              ku="digitalSignature, keyCertSign")
        no_uri = pki.issue("no-uri", leaf_key, ca, ca_key, "/CN=dns", san="DNS:web.example.org")
        other_td = pki.issue("other-td", leaf_key, ca, ca_key, "/CN=other",
                             san="URI:spiffe://other.org/web")
        self_signed = pki.self_signed("self", leaf_key, "/CN=self", "leaf_ext")

        pem = lambda *certs: b"".join(pathlib.Path(c).read_bytes() for c in certs)
        der = lambda *certs: b"".join(pki.der(c) for c in certs)
        x = "x509_fuzz"
        write(x, "leaf-ec.der", der(leaf))
        write(x, "chain-ec.der", der(leaf, ca))
        write(x, "chain-ec.pem", pem(leaf, ca))
        write(x, "leaf-rsa.der", der(rsa_leaf))
        write(x, "leaf-ed25519.der", der(ed_leaf))
        write(x, "chain-intermediate.der", der(edge, inter))
        # Other PEM blocks between certificates must be skipped.
        write(x, "chain-intermediate-with-key.pem",
              pem(edge) + pki.run("pkey", "-in", str(edge_key), "-pubout") + pem(inter, ca))
        write(x, "ca.der", der(ca))
        write(x, "leaf-two-uris.der", der(two_uris))
        write(x, "leaf-keycertsign.der", der(cert_sign))
        write(x, "leaf-no-uri.der", der(no_uri))
        write(x, "leaf-other-td.pem", pem(other_td))
        write(x, "leaf-self-signed.der", der(self_signed))

        # CSR target: the signature algorithms edgeid checks itself and those left to OpenSSL.
        p384_key = pki.ec_key("csr-p384", "P-384")
        c = "csr_fuzz"
        san = f"URI:{WORKLOAD},DNS:web.example.org"
        write(c, "p256.der", pki.csr(leaf_key, san=san))
        write(c, "p256.pem", pki.csr(leaf_key, san=san, outform="PEM"))
        write(c, "p256-sha512.der", pki.csr(leaf_key, "-sha512", san=f"URI:{WORKLOAD}"))
        write(c, "p384.der", pki.csr(p384_key, "-sha384", san=f"URI:{WORKLOAD}"))
        write(c, "rsa-sha256.der", pki.csr(rsa_leaf_key, "-sha256", san=f"URI:{WORKLOAD}"))
        write(c, "rsa-sha384.pem", pki.csr(rsa_leaf_key, "-sha384", outform="PEM"))
        write(c, "rsa-pss.der", pki.csr(rsa_leaf_key, "-sha256", "-sigopt",
                                        "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                                        san=f"URI:{WORKLOAD}"))
        write(c, "ed25519.pem", pki.csr(ed_leaf_key, san=f"URI:{WORKLOAD}", outform="PEM"))
        write(c, "no-subject-no-extensions.der", pki.csr(leaf_key, subject="/"))

        # Bundle target: both entry kinds, with and without the optional members.
        jwt_p384_key = pki.ec_key("jwt-p384", "P-384")
        jwt_rsa_key = pki.key("jwt-rsa", "RSA", "rsa_keygen_bits:2048")
        x5c = lambda cert: [base64.b64encode(pki.der(cert)).decode()]
        ca_entry = {"use": "x509-svid", **ec_jwk(pki, ca_key), "x5c": x5c(ca)}
        b = "bundle_fuzz"
        write(b, "full.json", compact({
            "keys": [ca_entry,
                     {"use": "x509-svid", "kty": "RSA", "x5c": x5c(rsa_ca)},
                     {"use": "jwt-svid", "kid": JWT_KID, **ec_jwk(pki, jwt_key)}],
            "spiffe_sequence": 42, "spiffe_refresh_hint": 300}))
        write(b, "pretty.json", json.dumps({
            "keys": [ca_entry,
                     {"use": "x509-svid", **ec_jwk(pki, inter_key, "P-384"), "x5c": x5c(inter)},
                     {"use": "jwt-svid", "kid": "p384", **ec_jwk(pki, jwt_p384_key, "P-384")},
                     {"use": "jwt-svid", "kid": "rsa", **rsa_jwk(pki, jwt_rsa_key)}]}, indent=2))
        write(b, "empty.json", '{"keys":[]}')
        write(b, "unknown-use.json", compact({
            "keys": [{"use": "x509-svid", "kty": "EC", "x5c": x5c(ca)},
                     {"use": "other", "kty": "oct", "k": "c2VjcmV0"}],
            "spiffe_sequence": 0}))
        write(b, "bad-duplicate-kid.json", compact({
            "keys": [{"use": "jwt-svid", "kid": "k", **ec_jwk(pki, jwt_key)},
                     {"use": "jwt-svid", "kid": "k", **ec_jwk(pki, jwt_key)}]}))
        write(b, "bad-kid-on-x509.json", compact({"keys": [dict(ca_entry, kid="k")]}))

        # JWT target: tokens fed as they are, and "header\nclaims" pairs the target signs itself.
        header = {"alg": "ES256", "kid": JWT_KID, "typ": "JWT"}
        claims = {"sub": WORKLOAD, "aud": "aud", "exp": now + 2 * 86400, "iat": now}
        j = "jwt_fuzz"
        write(j, "token-valid", jws(pki, jwt_key, header, claims))
        write(j, "token-valid-aud-list", jws(pki, jwt_key, {"alg": "ES256", "kid": JWT_KID}, {
            **claims, "aud": ["other", "aud"], "nbf": now, "iss": "https://oidc.example.org"}))
        write(j, "token-expired", jws(pki, jwt_key, header, {**claims, "exp": now + 3600}))
        write(j, "token-wrong-audience", jws(pki, jwt_key, header, {**claims, "aud": "db"}))
        write(j, "token-unknown-kid", jws(pki, jwt_key, {**header, "kid": "other"}, claims))
        write(j, "token-rs256", jws(pki, jwt_rsa_key, {**header, "alg": "RS256"}, claims,
                                    rsa=True))
        write(j, "token-alg-none", f"{b64url(compact({'alg': 'none'}).encode())}."
                                   f"{b64url(compact(claims).encode())}.")
        pair = lambda h, cl: f"{compact(h)}\n{compact(cl)}"
        write(j, "pair-valid", pair(header, claims))
        write(j, "pair-fractional-times", pair({**header, "typ": "JOSE"}, {
            **claims, "exp": now + 86400.5, "iat": now + 0.25, "nbf": now - 0.5,
            "aud": ["aud"]}))
        write(j, "pair-extra-header-member", pair({**header, "x5c": []}, claims))
        write(j, "pair-sub-without-path", pair(header, {**claims, "sub": "spiffe://example.org"}))
        write(j, "pair-other-trust-domain", pair(header, {**claims,
                                                          "sub": "spiffe://other.org/web"}))

        spiffe_id_seeds()

        header_path = FUZZ / "test_pki.h"
        header_path.write_text(f"""\
// Generated by fuzz/make_seeds.py with the seeds in fuzz/corpus/, which are signed with these:
// regenerate both together. Test-only material made for fuzzing; the keys protect nothing.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgeid::fuzz {{

// The fixed "now" of every target (Unix seconds): a day after the seeds were made.
inline constexpr int64_t kNowUnix = {fuzz_now};

inline constexpr std::string_view kJwtKeyId = "{JWT_KID}";
// P-256: the only JWT authority of example.org, and the key "header\\nclaims" pairs are signed with.
inline constexpr std::string_view kJwtKeyPem = R"pem({jwt_key.read_text()})pem";

// The only X.509 authority of example.org.
inline constexpr std::string_view kCaCertPem = R"pem({ca.read_text()})pem";

}}  // namespace edgeid::fuzz
""")
    formatter = shutil.which("clang-format")
    if formatter:
        subprocess.run([formatter, "-i", str(header_path)], check=True)


if __name__ == "__main__":
    main()
