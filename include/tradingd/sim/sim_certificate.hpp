#pragma once
// SimCertificate: the TLS identity exchange-sim serves: a fresh self-signed
// P-256 certificate for localhost and 127.0.0.1 (its own CA, so a client
// trusts it with `[tls] ca_file`), or a PEM pair from files.

#include <filesystem>
#include <string>

namespace tradingd::sim {

struct SimCertificate {
  std::string cert_pem;
  std::string key_pem;

  // Throws std::runtime_error with OpenSSL's reason.
  static SimCertificate generate();
  static SimCertificate load(const std::filesystem::path& cert, const std::filesystem::path& key);
};

}  // namespace tradingd::sim
