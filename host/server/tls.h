// TLS settings of the farm's connections (Boost.Asio SSL over OpenSSL; docs/farm.md).
#pragma once

#include <string>

namespace dcoc::server {

// Tracker: `cert` and `key` (PEM) turn TLS on; with `ca`, peers must present a certificate it signed.
// Peers: `ca` turns TLS on and verifies the tracker's certificate (chain and host name or IP address);
// `cert` and `key` are the peer's own certificate when the tracker asks for one.
struct TlsOptions {
  std::string cert, key, ca;
  bool ServerEnabled() const { return !cert.empty(); }
  bool ClientEnabled() const { return !ca.empty(); }
};

}  // namespace dcoc::server
