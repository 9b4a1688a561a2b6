#!/usr/bin/env python3
"""Prints the IoT chain's benchmark figures beside the raw OpenSSL operations they are made of,
all measured in the same run (bench/device_bench.cc)."""
import sys

from bench_results import k, load_rates


def main(path):
    rate = load_rates(path)

    def chain(*ops):
        """The rate of doing each of `ops` once in turn, on one core."""
        return 1.0 / sum(1.0 / rate[op] for op in ops)

    sign, verify = rate["BM_RawP256Sign"], rate["BM_RawP256Verify"]
    keygen, ecdh = rate["BM_RawP256Keygen"], rate["BM_RawP256Ecdh"]
    aead = rate["BM_RawAesGcmSealOpen"]
    frames = rate["BM_RawSocketFrames/real_time"]
    socket_limit = chain("BM_RawAesGcmSealOpen", "BM_RawSocketFrames/real_time")
    print(f"\nRaw OpenSSL on this machine, this run: P-256 sign {k(sign)}, verify {k(verify)}, "
          f"keygen {k(keygen)}, ECDH {k(ecdh)}; AES-256-GCM seal+open of 7 bytes {k(aead)}; "
          f"36-byte frames through a UNIX socket {k(frames)}")
    # Device authentication: the certificate chain (1 verify), the element's signature (1 sign),
    # its check (1 verify). Pairing: per side 1 keygen, 1 ECDH, 1 chain verify, 1 transcript
    # signature and 1 verify of the other's.
    auth_limit = chain("BM_RawP256Verify", "BM_RawP256Sign", "BM_RawP256Verify")
    pair_ops = ["BM_RawP256Keygen", "BM_RawP256Ecdh", "BM_RawP256Verify", "BM_RawP256Sign",
                "BM_RawP256Verify"] * 2
    pair_limit = chain(*pair_ops)
    rows = [
        ("device authentication", "BM_DeviceAuthentication", auth_limit, "2 verify + 1 sign"),
        ("pairing handshake, in memory", "BM_PairingHandshake", pair_limit,
         "2 x (keygen+ECDH+sign+2 verify)"),
        ("pairing over the socket", "BM_PairingOverSocket/real_time", pair_limit,
         "2 x (keygen+ECDH+sign+2 verify)"),
        ("sealed notification, in memory", "BM_SealedNotification", aead, "raw GCM seal+open"),
        ("notifications over the socket", "BM_NotificationsOverSocket/real_time", socket_limit,
         "raw GCM seal+open + raw socket frame"),
    ]
    print(f"{'benchmark':32} {'rate':>10}  ratio to the limit")
    for label, name, limit, limit_name in rows:
        if name in rate:
            print(f"{label:32} {k(rate[name]):>10}  {rate[name] / limit:5.0%} of {limit_name}"
                  f" ({k(limit)})")


if __name__ == "__main__":
    main(sys.argv[1])
