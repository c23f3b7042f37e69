// Authentication of the measurement farm (docs/farm.md): per-peer keys, HMAC-SHA256 over fresh nonces.
//
// Every connection starts with a challenge-response in both directions, before anything else is read:
//   tracker -> peer   challenge {"nonce": Nt}                       (32 fresh random bytes, hex)
//   peer -> tracker   auth {"key_id", "role", "nonce": Np, "mac": HMAC(secret, "dcoc-farm-1|auth|id|role|Nt|Np")}
//   tracker -> peer   welcome {"mac": HMAC(secret, "dcoc-farm-1|welcome|id|role|Nt|Np"), ...}
// The tracker's nonce makes every auth frame valid for one connection only (a recorded frame replayed
// on a new connection fails), and the peer's nonce does the same for the welcome, with which the tracker
// proves it holds the key too (a worker never serves an impostor tracker).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dcoc::server {

enum class Role : uint8_t {
  kClient,  // submits measurement requests, sees its own requests and results
  kWorker,  // measures
  kAdmin,   // sees the whole farm's status
};
std::string_view Name(Role r);
// Throws FormatError naming the unknown role.
Role RoleFromName(std::string_view name);

inline constexpr size_t kNonceBytes = 32;
inline constexpr size_t kMinSecretBytes = 16;
inline constexpr size_t kMaxKeyIdChars = 64;

// One key: its id (a name, never secret), the role it grants, and the secret.
struct Key {
  std::string id;
  Role role = Role::kClient;
  std::vector<uint8_t> secret;
};

// A keys file holds one key per line, `<id> <role> <secret as hex>`; blank lines and lines starting
// with '#' are ignored. Ids are 1-64 characters of [A-Za-z0-9._-]; secrets at least 16 bytes. The file
// must not be readable by group or others (like ssh's private keys). Errors name the file and the
// line, never the secret.
class KeyRing {
 public:
  static KeyRing Load(const std::filesystem::path& path);
  static KeyRing Parse(std::string_view text, const std::string& origin);
  const Key* Find(std::string_view id) const;
  size_t size() const { return keys_.size(); }

 private:
  friend Key LoadKey(const std::filesystem::path& path);
  std::map<std::string, Key, std::less<>> keys_;
};

// A peer's key file: exactly one key line (same format, same permission rule).
Key LoadKey(const std::filesystem::path& path);
// A fresh key with a 32-byte random secret.
Key GenerateKey(const std::string& id, Role role);
// The key's line for a keys file.
std::string FormatKey(const Key& k);
// Writes `k` to a new file with mode 0600 (UsageError when it exists), or appends it to a keys file
// (UsageError when the id is already there).
void WriteKeyFile(const std::filesystem::path& path, const Key& k);
void AppendKey(const std::filesystem::path& keys_file, const Key& k);
// Throws UsageError naming the id and the allowed characters.
void ValidateKeyId(std::string_view id);

// Cryptographic helpers (OpenSSL).
std::vector<uint8_t> RandomBytes(size_t n);
std::string Hex(std::span<const uint8_t> bytes);
// Throws FormatError unless `hex` is exactly `bytes` bytes of lowercase or uppercase hex.
std::vector<uint8_t> FromHex(std::string_view hex, size_t bytes, std::string_view what);
std::vector<uint8_t> HmacSha256(std::span<const uint8_t> key, std::string_view message);
// Constant-time comparison of two equal-length MACs (false for different lengths).
bool MacEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

// The handshake's MACs (hex).
std::string AuthMac(const Key& k, std::string_view tracker_nonce, std::string_view peer_nonce);
std::string WelcomeMac(const Key& k, std::string_view tracker_nonce, std::string_view peer_nonce);

// A parsed auth frame (FormatError for a malformed one: the fields, their types and lengths).
struct AuthFrame {
  std::string key_id;
  Role role = Role::kClient;
  std::string nonce;  // the peer's nonce, hex
  std::vector<uint8_t> mac;
};
AuthFrame ParseAuth(const nlohmann::json& payload);
// The tracker's nonce of a challenge frame (FormatError for a malformed one).
std::string ParseChallenge(const nlohmann::json& payload);

// The peer's side: builds the auth frame for a challenge (keeps its nonce), then checks the welcome.
class PeerHandshake {
 public:
  explicit PeerHandshake(const Key& key) : key_(key) {}
  nlohmann::json Answer(const nlohmann::json& challenge);
  // Throws Error when the welcome does not prove the tracker holds the key.
  void CheckWelcome(const nlohmann::json& welcome) const;

 private:
  const Key& key_;
  std::string tracker_nonce_, peer_nonce_;
};

}  // namespace dcoc::server
