#include "host/server/auth.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "host/common/error.h"

namespace dcoc::server {

namespace {

constexpr std::string_view kMacDomain = "dcoc-farm-1";

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ReadSecretFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw UsageError(fmt::format("cannot read key file {}: {}", path.string(), std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw UsageError(fmt::format("key file {} is not a regular file", path.string()));
  if (st.st_mode & 077)
    throw UsageError(fmt::format("key file {} is accessible by group or others (mode {:04o}); it holds secrets: "
                                 "chmod 600 {}",
                                 path.string(), st.st_mode & 07777, path.string()));
  if (st.st_size > (1 << 20))
    throw UsageError(fmt::format("key file {} is {} bytes; the limit is 1 MiB", path.string(), st.st_size));
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) throw UsageError(fmt::format("cannot read key file {}", path.string()));
  return ss.str();
}

// Writes the key's line into `path` (created with mode 0600); `flags`: O_EXCL (a new file) or O_APPEND.
void WriteKeyLine(const std::filesystem::path& path, const Key& k, int flags, const char* what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
  if (fd < 0) throw UsageError(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno)));
  const std::string line = FormatKey(k);
  const ssize_t n = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (n != ssize_t(line.size())) throw Error(fmt::format("cannot {} {}: short write", what, path.string()));
}

std::string Message(std::string_view what, const Key& k, std::string_view tracker_nonce, std::string_view peer_nonce) {
  return fmt::format("{}|{}|{}|{}|{}|{}", kMacDomain, what, k.id, Name(k.role), tracker_nonce, peer_nonce);
}

const std::string& StringField(const nlohmann::json& j, const char* key, std::string_view frame) {
  auto it = j.find(key);
  if (it == j.end()) throw FormatError(fmt::format("{} frame lacks \"{}\"", frame, key));
  if (!it->is_string()) throw FormatError(fmt::format("{} frame: \"{}\" must be a string, got a {}", frame, key, it->type_name()));
  return it->get_ref<const std::string&>();
}

}  // namespace

std::string_view Name(Role r) {
  switch (r) {
    case Role::kClient:
      return "client";
    case Role::kWorker:
      return "worker";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

Role RoleFromName(std::string_view name) {
  for (Role r : {Role::kClient, Role::kWorker, Role::kAdmin})
    if (Name(r) == name) return r;
  throw FormatError(fmt::format("unknown role \"{}\" (known: client, worker, admin)", name.substr(0, 32)));
}

void ValidateKeyId(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdChars)
    throw UsageError(fmt::format("key id of {} characters: it must have 1 to {}", id.size(), kMaxKeyIdChars));
  for (size_t i = 0; i < id.size(); ++i)
    if (!IdChar(id[i]))
      throw UsageError(fmt::format("key id has the character code {} at position {}: ids use letters, digits, '.', "
                                   "'_' and '-'",
                                   int(uint8_t(id[i])), i));
}

KeyRing KeyRing::Parse(std::string_view text, const std::string& origin) {
  KeyRing ring;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      if (j > i) fields.push_back(line.substr(i, j - i));
      i = j;
    }
    if (fields.empty() || fields[0][0] == '#') continue;
    const std::string where = fmt::format("{} line {}", origin, line_no);
    if (fields.size() != 3)
      throw UsageError(fmt::format("{}: expected `<id> <role> <secret hex>`, found {} field(s)", where, fields.size()));
    Key k;
    try {
      ValidateKeyId(fields[0]);
      k.id = std::string(fields[0]);
      k.role = RoleFromName(fields[1]);
    } catch (const Error& e) {
      throw UsageError(fmt::format("{}: {}", where, e.what()));
    }
    const std::string_view hex = fields[2];
    if (hex.size() % 2 != 0 || hex.size() / 2 < kMinSecretBytes)
      throw UsageError(fmt::format("{}: the secret of key \"{}\" must be at least {} bytes ({} hex digits), an even "
                                   "number of digits; it has {} digits",
                                   where, k.id, kMinSecretBytes, 2 * kMinSecretBytes, hex.size()));
    for (size_t d = 0; d < hex.size(); d += 2) {
      const int hi = HexValue(hex[d]), lo = HexValue(hex[d + 1]);
      if (hi < 0 || lo < 0) throw UsageError(fmt::format("{}: the secret of key \"{}\" is not hex", where, k.id));
      k.secret.push_back(uint8_t(hi << 4 | lo));
    }
    if (ring.keys_.count(k.id)) throw UsageError(fmt::format("{}: key id \"{}\" appears twice", where, k.id));
    ring.keys_.emplace(k.id, std::move(k));
  }
  return ring;
}

KeyRing KeyRing::Load(const std::filesystem::path& path) {
  KeyRing ring = Parse(ReadSecretFile(path), path.string());
  if (ring.size() == 0) throw UsageError(fmt::format("keys file {} holds no key", path.string()));
  return ring;
}

const Key* KeyRing::Find(std::string_view id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

Key LoadKey(const std::filesystem::path& path) {
  const KeyRing ring = KeyRing::Parse(ReadSecretFile(path), path.string());
  if (ring.size() != 1)
    throw UsageError(fmt::format("key file {} must hold exactly one key, it holds {}", path.string(), ring.size()));
  return ring.keys_.begin()->second;
}

Key GenerateKey(const std::string& id, Role role) {
  ValidateKeyId(id);
  return Key{id, role, RandomBytes(32)};
}

std::string FormatKey(const Key& k) { return fmt::format("{} {} {}\n", k.id, Name(k.role), Hex(k.secret)); }

void WriteKeyFile(const std::filesystem::path& path, const Key& k) {
  WriteKeyLine(path, k, O_EXCL, "create key file");
}

void AppendKey(const std::filesystem::path& keys_file, const Key& k) {
  if (std::filesystem::exists(keys_file)) {
    const KeyRing ring = KeyRing::Parse(ReadSecretFile(keys_file), keys_file.string());
    if (ring.Find(k.id)) throw UsageError(fmt::format("keys file {} already has a key \"{}\"", keys_file.string(), k.id));
  }
  WriteKeyLine(keys_file, k, O_APPEND, "append to keys file");
}

std::vector<uint8_t> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  if (n > 0 && RAND_bytes(out.data(), int(n)) != 1) throw Error("OpenSSL's random generator failed (RAND_bytes)");
  return out;
}

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * bytes.size());
  for (uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

std::vector<uint8_t> FromHex(std::string_view hex, size_t bytes, std::string_view what) {
  if (hex.size() != 2 * bytes)
    throw FormatError(fmt::format("{} must be {} hex digits, got {} characters", what, 2 * bytes, hex.size()));
  std::vector<uint8_t> out(bytes);
  for (size_t i = 0; i < bytes; ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw FormatError(fmt::format("{} is not hex (character {})", what, 2 * i + (hi < 0 ? 0 : 1)));
    out[i] = uint8_t(hi << 4 | lo);
  }
  return out;
}

std::vector<uint8_t> HmacSha256(std::span<const uint8_t> key, std::string_view message) {
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
            message.size(), out.data(), &len))
    throw Error("OpenSSL's HMAC-SHA256 failed");
  out.resize(len);
  return out;
}

bool MacEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string AuthMac(const Key& k, std::string_view tracker_nonce, std::string_view peer_nonce) {
  return Hex(HmacSha256(k.secret, Message("auth", k, tracker_nonce, peer_nonce)));
}

std::string WelcomeMac(const Key& k, std::string_view tracker_nonce, std::string_view peer_nonce) {
  return Hex(HmacSha256(k.secret, Message("welcome", k, tracker_nonce, peer_nonce)));
}

AuthFrame ParseAuth(const nlohmann::json& j) {
  AuthFrame a;
  const std::string& id = StringField(j, "key_id", "auth");
  try {
    ValidateKeyId(id);
  } catch (const UsageError& e) {
    throw FormatError(fmt::format("auth frame: {}", e.what()));
  }
  a.key_id = id;
  a.role = RoleFromName(StringField(j, "role", "auth"));
  a.nonce = StringField(j, "nonce", "auth");
  FromHex(a.nonce, kNonceBytes, "auth frame: \"nonce\"");
  a.mac = FromHex(StringField(j, "mac", "auth"), 32, "auth frame: \"mac\"");
  return a;
}

std::string ParseChallenge(const nlohmann::json& j) {
  const std::string& nonce = StringField(j, "nonce", "challenge");
  FromHex(nonce, kNonceBytes, "challenge frame: \"nonce\"");
  return nonce;
}

nlohmann::json PeerHandshake::Answer(const nlohmann::json& challenge) {
  tracker_nonce_ = ParseChallenge(challenge);
  peer_nonce_ = Hex(RandomBytes(kNonceBytes));
  return {{"key_id", key_.id},
          {"role", std::string(Name(key_.role))},
          {"nonce", peer_nonce_},
          {"mac", AuthMac(key_, tracker_nonce_, peer_nonce_)}};
}

void PeerHandshake::CheckWelcome(const nlohmann::json& welcome) const {
  if (tracker_nonce_.empty()) throw Error("a welcome frame arrived before the challenge");
  const std::vector<uint8_t> got = FromHex(StringField(welcome, "mac", "welcome"), 32, "welcome frame: \"mac\"");
  const std::vector<uint8_t> want = FromHex(WelcomeMac(key_, tracker_nonce_, peer_nonce_), 32, "mac");
  if (!MacEqual(got, want))
    throw Error(fmt::format("the tracker's welcome does not prove it holds key \"{}\": an impostor, or the tracker "
                            "has another secret for this id",
                            key_.id));
}

}  // namespace dcoc::server
