#include "host/spec/program.h"

#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"
#include "host/common/hash.h"

namespace dcoc::spec {

namespace {
constexpr std::string_view kMagic = "DCOCPRG1";
constexpr uint32_t kVersion = 1;
constexpr std::array<std::string_view, 5> kRegionKindNames = {"uop", "input", "weight", "acc", "output"};

void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(uint8_t(v >> (8 * b)));
}
void PutU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int b = 0; b < 8; ++b) out.push_back(uint8_t(v >> (8 * b)));
}
void PutSection(std::vector<uint8_t>& out, std::string_view tag, std::span<const uint8_t> payload) {
  out.insert(out.end(), tag.begin(), tag.end());
  PutU32(out, 0);
  PutU64(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}
std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  std::span<const uint8_t> Take(uint64_t n, std::string_view what) {
    if (n > b_.size() - pos_)
      throw FormatError(fmt::format("program file truncated: {} needs {} bytes at offset {}, only {} remain", what, n,
                                    pos_, b_.size() - pos_));
    auto s = b_.subspan(pos_, size_t(n));
    pos_ += size_t(n);
    return s;
  }
  uint64_t U(int bytes, std::string_view what) {
    auto s = Take(uint64_t(bytes), what);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t(s[size_t(i)]) << (8 * i);
    return v;
  }
  size_t pos() const { return pos_; }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

nlohmann::json ParseJsonSection(std::span<const uint8_t> s, std::string_view tag) {
  try {
    return nlohmann::json::parse(s.begin(), s.end());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("program section {}: malformed JSON: {}", tag, e.what()));
  }
}
}  // namespace

std::string_view Name(RegionKind k) { return kRegionKindNames.at(size_t(k)); }

const Region* Program::FindRegion(std::string_view name) const {
  for (const Region& r : regions)
    if (r.name == name) return &r;
  return nullptr;
}

std::vector<uint8_t> Serialize(const Program& p) {
  const Spec spec = Spec::Create(p.config);
  std::vector<uint8_t> out(kMagic.begin(), kMagic.end());
  PutU32(out, kVersion);
  PutU32(out, 5);
  PutSection(out, "CONF", AsBytes(ConfigToJson(p.config).dump()));
  PutSection(out, "INSN", EncodeStream(spec.isa, p.insns));
  PutSection(out, "DRAM", p.dram);
  nlohmann::json regions = nlohmann::json::array();
  for (const Region& r : p.regions)
    regions.push_back({{"name", r.name}, {"kind", Name(r.kind)}, {"offset", r.offset}, {"bytes", r.bytes}});
  PutSection(out, "REGN", AsBytes(regions.dump()));
  PutSection(out, "META", AsBytes(nlohmann::json{{"description", p.description}}.dump()));
  Fnv1a64 h;
  h.Update(out);
  out.insert(out.end(), {'F', 'N', 'V', '1'});
  PutU64(out, h.Digest());
  return out;
}

Program Deserialize(std::span<const uint8_t> bytes) {
  if (bytes.size() < kMagic.size() + 12 ||
      std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
    throw FormatError("not a dcoc program file (missing DCOCPRG1 header)");
  if (bytes.size() < 12 + kMagic.size() + 12) throw FormatError("program file truncated: no checksum trailer");
  const auto body = bytes.first(bytes.size() - 12);
  Reader trailer(bytes.last(12));
  const auto tag = trailer.Take(4, "checksum tag");
  const uint64_t stored = trailer.U(8, "checksum");
  Fnv1a64 h;
  h.Update(body);
  if (std::memcmp(tag.data(), "FNV1", 4) != 0 || stored != h.Digest())
    throw FormatError(fmt::format("program file corrupt: checksum {:016x} does not match contents {:016x}", stored,
                                  h.Digest()));

  Reader r(body);
  r.Take(kMagic.size(), "magic");
  const uint64_t version = r.U(4, "version");
  if (version != kVersion)
    throw FormatError(fmt::format("program file version {} is not supported (this dcoc reads version {})", version, kVersion));
  const uint64_t count = r.U(4, "section count");
  std::map<std::string, std::span<const uint8_t>> sections;
  for (uint64_t i = 0; i < count; ++i) {
    const auto t = r.Take(4, "section tag");
    std::string name(t.begin(), t.end());
    r.U(4, "section flags");
    const uint64_t len = r.U(8, "section length");
    sections[name] = r.Take(len, fmt::format("section {}", name));
  }
  if (r.pos() != body.size()) throw FormatError(fmt::format("program file has {} stray bytes after its sections", body.size() - r.pos()));
  for (std::string_view need : {"CONF", "INSN", "DRAM", "REGN"})
    if (!sections.count(std::string(need))) throw FormatError(fmt::format("program file has no {} section", need));

  Program p;
  try {
    p.config = ConfigFromJson(ParseJsonSection(sections["CONF"], "CONF"));
  } catch (const ConfigError& e) {
    throw FormatError(fmt::format("program section CONF: {}", e.what()));
  }
  const Spec spec = Spec::Create(p.config);
  p.insns = DecodeStream(spec.isa, sections["INSN"]);
  p.dram.assign(sections["DRAM"].begin(), sections["DRAM"].end());
  const nlohmann::json regions = ParseJsonSection(sections["REGN"], "REGN");
  if (!regions.is_array()) throw FormatError("program section REGN must be a JSON array");
  std::set<std::string> names;
  for (const auto& j : regions) {
    Region reg;
    try {
      reg.name = j.at("name").get<std::string>();
      const std::string kind = j.at("kind").get<std::string>();
      bool found = false;
      for (size_t k = 0; k < kRegionKindNames.size(); ++k)
        if (kRegionKindNames[k] == kind) reg.kind = RegionKind(k), found = true;
      if (!found) throw FormatError(fmt::format("region {}: unknown kind \"{}\"", reg.name, kind));
      reg.offset = j.at("offset").get<uint64_t>();
      reg.bytes = j.at("bytes").get<uint64_t>();
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(fmt::format("program section REGN: malformed region {}: {}", j.dump(), e.what()));
    }
    if (reg.offset > p.dram.size() || reg.bytes > p.dram.size() - reg.offset)
      throw FormatError(fmt::format("region {} [{}, {}) lies outside the {}-byte DRAM image", reg.name, reg.offset,
                                    reg.offset + reg.bytes, p.dram.size()));
    if (!names.insert(reg.name).second) throw FormatError(fmt::format("region name {} appears twice", reg.name));
    p.regions.push_back(std::move(reg));
  }
  if (sections.count("META")) {
    const nlohmann::json meta = ParseJsonSection(sections["META"], "META");
    if (meta.is_object() && meta.contains("description") && meta["description"].is_string())
      p.description = meta["description"].get<std::string>();
  }
  return p;
}

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot open {}", path.string()));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  // Write to a temporary and rename, so an interrupted write never leaves a half file behind.
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw UsageError(fmt::format("cannot write {}", tmp));
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) throw UsageError(fmt::format("write to {} failed", tmp));
  }
  std::filesystem::rename(tmp, path);
}

void SaveProgram(const Program& p, const std::filesystem::path& path) { WriteFile(path, Serialize(p)); }

Program LoadProgram(const std::filesystem::path& path) {
  try {
    return Deserialize(ReadFile(path));
  } catch (const FormatError& e) {
    throw FormatError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

std::string RegionDigest(std::span<const uint8_t> dram, const Region& r) {
  return HexDigest(dram.subspan(size_t(r.offset), size_t(r.bytes)));
}

}  // namespace dcoc::spec
