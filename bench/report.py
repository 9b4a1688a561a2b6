#!/usr/bin/env python3
"""Prints Google Benchmark results beside the raw OpenSSL limits measured in the same run."""
import sys

from bench_results import k, load_rates


def main(path):
    rate = load_rates(path)

    sign = rate["BM_RawP256Sign"]
    verify = rate["BM_RawP256Verify"]
    ceiling = 1.0 / (1.0 / sign + 1.0 / verify)  # one verify plus one sign, one core

    print(f"\nRaw OpenSSL P-256 on this machine, this run: sign {k(sign)}, verify {k(verify)};"
          f" one verify + one sign: {k(ceiling)} per core")
    rows = [
        ("X.509-SVID from CSR, 1 thread", "BM_MintX509SvidFromCsr", ceiling, "verify+sign"),
        ("X.509-SVID from CSR, 2 threads", "BM_MintX509SvidFromCsr/real_time/threads:2",
         2 * ceiling, "2 x verify+sign"),
        ("raw sign, 2 threads", "BM_RawP256Sign/real_time/threads:2", 2 * sign, "2 x raw sign"),
        ("JWT-SVID mint (ES256)", "BM_MintJwtSvid", sign, "raw sign"),
        ("JWT-SVID validate (ES256)", "BM_ValidateJwtSvid", verify, "raw verify"),
        ("X.509-SVID chain verify", "BM_VerifyX509Svid", verify, "raw verify"),
    ]
    print(f"{'benchmark':34} {'rate':>10}  ratio to the limit")
    for label, name, limit, limit_name in rows:
        if name in rate:
            print(f"{label:34} {k(rate[name]):>10}  {rate[name] / limit:5.0%} of {limit_name}")
    for label, name in (("SPIFFE ID parse", "BM_ParseSpiffeId"),
                        ("SPIFFE bundle JSON parse", "BM_ParseSpiffeBundle")):
        if name in rate:
            print(f"{label:34} {k(rate[name]):>10}")

    mint = rate.get("BM_MintX509SvidFromCsr", 0.0)
    goal = 0.70
    verdict = "met" if mint >= goal * ceiling else "NOT met"
    print(f"\nGoal: X.509-SVID from CSR >= {goal:.0%} of one verify + one sign: {verdict}"
          f" ({mint / ceiling:.0%})")


if __name__ == "__main__":
    main(sys.argv[1])
