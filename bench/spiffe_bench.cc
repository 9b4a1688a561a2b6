// SPIFFE core benchmarks, each beside the raw OpenSSL rates it is bounded by. scripts/bench.sh
// prints the ratios (bench/report.py).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <chrono>
#include <stdexcept>

#include "crypto/certificate_builder.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"
#include "spiffe/jwt_svid.h"
#include "spiffe/spiffe_bundle.h"
#include "spiffe/x509_svid.h"
#include "support/raw_p256.h"

namespace edgeid {
namespace {

using Clock = std::chrono::system_clock;

template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) throw std::runtime_error(r.error().ToString());
  return std::move(r).value();
}

struct Fixture {
  crypto::PrivateKey ca_key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::Certificate ca_cert = MakeCa();
  crypto::PrivateKey workload_key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  std::string csr_der = Must(crypto::CertificateRequest::Create(workload_key)).ToDer();
  spiffe::SpiffeId id = Must(spiffe::SpiffeId::Parse("spiffe://example.org/ns/prod/sa/web"));
  spiffe::BundleSet bundles = MakeBundles();

  crypto::Certificate MakeCa() const {
    crypto::CertificateTemplate tmpl;
    tmpl.subject = {{"O", "bench"}};
    tmpl.not_before = Clock::now() - std::chrono::hours(1);
    tmpl.not_after = Clock::now() + std::chrono::hours(24);
    tmpl.is_ca = true;
    tmpl.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
    tmpl.uri_sans = {"spiffe://example.org"};
    return Must(crypto::SignCertificate(tmpl, ca_key.public_key(), nullptr, ca_key));
  }
  spiffe::BundleSet MakeBundles() const {
    spiffe::SpiffeBundle b(Must(spiffe::TrustDomain::Parse("example.org")));
    b.x509().AddAuthority(ca_cert);
    (void)b.jwt().SetAuthority("k1", ca_key.public_key());
    spiffe::BundleSet set;
    set.Put(b);
    return set;
  }
};

const Fixture& F() {
  static const Fixture fixture;
  return fixture;
}

// The physical limits: one ECDSA P-256 signature or verification of a SHA-256 digest, with a
// reused context, nothing else.
void BM_RawP256Sign(benchmark::State& state) {
  bench::RawP256Sign(state, F().ca_key);
}
BENCHMARK(BM_RawP256Sign);

void BM_RawP256Verify(benchmark::State& state) {
  bench::RawP256Verify(state, F().ca_key);
}
BENCHMARK(BM_RawP256Verify);

// What a server does per SVID: parse the CSR, check its signature, mint and sign the leaf,
// encode it.
void BM_MintX509SvidFromCsr(benchmark::State& state) {
  spiffe::X509SvidParams params{F().id, {}, std::chrono::hours(1), Clock::now()};
  for (auto _ : state) {
    auto csr = Must(crypto::CertificateRequest::FromDer(F().csr_der));
    benchmark::DoNotOptimize(
        Must(spiffe::MintX509SvidDerFromCsr(params, csr, F().ca_cert, F().ca_key)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MintX509SvidFromCsr);
BENCHMARK(BM_MintX509SvidFromCsr)->ThreadRange(2, 2)->UseRealTime();
BENCHMARK(BM_RawP256Sign)->ThreadRange(2, 2)->UseRealTime();

void BM_VerifyX509Svid(benchmark::State& state) {
  spiffe::X509SvidParams params{F().id, {}, std::chrono::hours(1), Clock::now()};
  auto leaf =
      Must(spiffe::MintX509Svid(params, F().workload_key.public_key(), F().ca_cert, F().ca_key));
  crypto::CertificateChain chain{leaf};
  auto now = Clock::now();
  for (auto _ : state)
    benchmark::DoNotOptimize(Must(spiffe::VerifyX509Svid(chain, F().bundles, now)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyX509Svid);

void BM_MintJwtSvid(benchmark::State& state) {
  auto now = Clock::now();
  spiffe::JwtSvidParams params{
      F().id, {"spiffe://example.org/db"}, now, now + std::chrono::minutes(5), "k1"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Must(spiffe::MintJwtSvid(params, F().ca_key, spiffe::JwsAlgorithm::kES256)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MintJwtSvid);

void BM_ValidateJwtSvid(benchmark::State& state) {
  auto now = Clock::now();
  spiffe::JwtSvidParams params{
      F().id, {"spiffe://example.org/db"}, now, now + std::chrono::minutes(5), "k1"};
  auto token = Must(spiffe::MintJwtSvid(params, F().ca_key, spiffe::JwsAlgorithm::kES256));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Must(spiffe::ValidateJwtSvid(token, F().bundles, "spiffe://example.org/db", now)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateJwtSvid);

void BM_ParseSpiffeId(benchmark::State& state) {
  const std::string text = "spiffe://example.org/ns/production/sa/payments-api-v2";
  for (auto _ : state) benchmark::DoNotOptimize(Must(spiffe::SpiffeId::Parse(text)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSpiffeId);

void BM_ParseSpiffeBundle(benchmark::State& state) {
  const std::string json = F().bundles.bundles().front().ToJson();
  auto td = Must(spiffe::TrustDomain::Parse("example.org"));
  for (auto _ : state) benchmark::DoNotOptimize(Must(spiffe::SpiffeBundle::Parse(td, json)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSpiffeBundle);

}  // namespace
}  // namespace edgeid

BENCHMARK_MAIN();
